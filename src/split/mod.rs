//! Split: find `log.entries`, `log.pages` and `log.creator` wherever they sit, and cut the
//! entries array into one byte range per entry.

mod locate;
mod resync;
pub mod scan;
pub mod windows;

pub use locate::{Layout, LocateError, document_end, jsonp_prefix, locate, next_document};
pub use resync::resync;
pub use scan::{EntrySpan, LongString, SplitStop, split_entries};
