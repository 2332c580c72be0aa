use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc v3's `mi_option_e` (the
/// crate builds v3 and names no constant for it).
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Arenas commit their memory as it is used, not whole when reserved: on
/// these VMs, memory first touched costs the kernel a page clear (and the
/// host a fault), and a fleet run touched 0.25 GB it never used. 100.8 M
/// points ordered by time (benches/scale.rs's file), three runs each:
/// 10.6-11.9 s and 2.32 GB before, 7.3-7.5 s and 2.07 GB after. It must be
/// set before the first allocation creates the first arena, so it runs from
/// `.init_array`, before Rust's runtime and `main`.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static ALLOCATOR_OPTIONS: extern "C" fn() = {
    extern "C" fn set() {
        // SAFETY: writes one of mimalloc's static option values; nothing has
        // allocated yet and no other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
    }
    set
};

fn main() -> ExitCode {
    let cli = slo::cli::Cli::parse();
    match slo::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", slo::text::escape(&e.to_string(), true));
            ExitCode::from(e.exit_code())
        }
    }
}
