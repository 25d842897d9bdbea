//! The process allocator's settings, shared by the binary and the scale
//! bench's floor (`examples/io_floor.rs`), so that both allocate alike.

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Freed pages go back to the OS 10 ms after they are freed. Longer (this
/// mimalloc's default) lets the 1M peak reach 1.35-1.54 GiB, as the freed
/// input records are not handed back while the results grow; at once (0,
/// up to stop 19) cost about 50,000 more page faults a 1M run and, in 3
/// runs of 14, a million more (4-5 s of kernel time). The peak is 925-942
/// MiB at 10 ms (stops 20 and 21), 921-926 at 0. mimalloc's own `MIMALLOC_PURGE_DELAY`, when
/// set, wins (for measuring). Call it first thing in `main`.
pub fn set_purge_delay() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads it on each purge.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    }
}
