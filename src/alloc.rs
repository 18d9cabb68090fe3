//! The process allocator: the system allocator for the small inputs a command usually reads,
//! mimalloc once an input is large.
//!
//! Measured on the 2-core CI machine class: with mimalloc, checking a 10,000-service compose
//! file takes ~0.8 s instead of ~1.0 s (the YAML tree is a node per key and value), but a
//! process that checks a small stack pays ~1–2 ms for mimalloc's start-up. Switching when an
//! input turns out to be large gets both.
//!
//! Soundness: allocation switches to mimalloc at most once and never back. A block is freed
//! by the allocator that owns it: `mi_is_in_heap_region` tells mimalloc's blocks apart, and
//! before the switch no block can be mimalloc's, so the check is skipped.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use mimalloc::MiMalloc;

static BULK: AtomicBool = AtomicBool::new(false);

/// Inputs at least this large switch allocation to mimalloc.
pub const BULK_THRESHOLD: usize = 256 * 1024;

/// Makes every later allocation use mimalloc.
pub fn use_bulk_allocator() {
    BULK.store(true, Ordering::SeqCst);
}

pub struct Allocator;

fn bulk() -> bool {
    BULK.load(Ordering::Relaxed)
}

fn owned_by_mimalloc(ptr: *mut u8) -> bool {
    // SAFETY: the function only inspects mimalloc's region map for the address.
    bulk() && unsafe { libmimalloc_sys::mi_is_in_heap_region(ptr.cast()) }
}

// SAFETY: every block is allocated by exactly one of two sound allocators and returned to the
// same one (see the module documentation).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe {
            if bulk() {
                MiMalloc.alloc(layout)
            } else {
                System.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe {
            if bulk() {
                MiMalloc.alloc_zeroed(layout)
            } else {
                System.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` goes back to the allocator that returned it.
        unsafe {
            if owned_by_mimalloc(ptr) {
                MiMalloc.dealloc(ptr, layout);
            } else {
                System.dealloc(ptr, layout);
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is resized by its owner, or moved from the system allocator into
        // mimalloc by copying the smaller of the two sizes and freeing the old block.
        unsafe {
            if owned_by_mimalloc(ptr) {
                return MiMalloc.realloc(ptr, layout, new_size);
            }
            if !bulk() {
                return System.realloc(ptr, layout, new_size);
            }
            let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                return std::ptr::null_mut();
            };
            let new = MiMalloc.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                System.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks from before and after the switch are freed and grown by their owners.
    #[test]
    fn blocks_cross_the_switch() {
        let a = Allocator;
        let layout = Layout::from_size_align(64, 8).unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: plain allocate/write/free sequences with matching layouts.
        unsafe {
            let before = a.alloc(layout);
            assert!(!before.is_null());
            before.write_bytes(7, 64);
            use_bulk_allocator();
            assert!(!owned_by_mimalloc(before));
            let grown = a.realloc(before, layout, 4096);
            assert!(owned_by_mimalloc(grown));
            assert_eq!(*grown.add(63), 7);
            let after = a.alloc(layout);
            assert!(owned_by_mimalloc(after));
            a.dealloc(after, layout);
            a.dealloc(
                grown,
                Layout::from_size_align(4096, 8).unwrap_or_else(|e| panic!("{e}")),
            );
        }
    }
}
