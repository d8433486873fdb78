//! Split: find `log.entries`, `log.pages` and `log.creator` wherever they sit, and cut the
//! entries array into one byte range per entry.

mod locate;
pub mod scan;

pub use locate::{Layout, LocateError, locate};
pub use scan::{EntrySpan, LongString, SplitStop, split_entries};
