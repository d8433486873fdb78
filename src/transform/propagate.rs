//! Propagation in `export`: a secret value redacted from one entry (a cookie, a token, a
//! password) is redacted wherever it appears again later in the same file: in a beacon
//! body that echoes the cookie, in a URL that carries the token. Parsing runs in parallel,
//! so this pass runs on each finished batch, in entry order, before the sink sees it.

use crate::error::Result;
use crate::sanitize::known::{Known, Learned};
use crate::sink::schema::column_index;
use crate::transform::redact::REDACTED;
use arrow_array::{Array, ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use std::sync::Arc;

/// String columns where a known secret is looked for (`path` and `query` are parts of
/// `url`: they are looked at only in rows where `url` had one).
const COLUMNS: &[&str] = &[
    "url",
    "redirect_url",
    "error",
    "status_text",
    "page_title",
    "page_id",
    "server_ip",
    "connection",
    "tracking_id",
    "request_body",
    "response_body",
];
/// Header lists whose values are looked at.
const HEADER_COLUMNS: &[&str] = &["request_headers", "response_headers"];

/// The secrets found so far in one file, in the propagation memory `sanitize` uses too
/// (one budget, [`crate::sanitize::known::BUDGET_BYTES`]; each batch is a step).
#[derive(Debug, Default)]
pub struct Propagator {
    learned: Learned,
}

fn redact_known(s: &str, known: &Known, entry: i64) -> Option<String> {
    known.replace_seen(s, entry, &mut |_| REDACTED.to_owned())
}

/// A new string column when any value of `col` (in the rows `only` names, if given)
/// holds a known secret; the rows changed are added to `hit`.
fn strings(
    col: &ArrayRef,
    rows: &dyn Fn(usize) -> i64,
    known: &Known,
    only: Option<&[usize]>,
    hit: &mut Vec<usize>,
) -> Option<ArrayRef> {
    let a = col.as_any().downcast_ref::<StringArray>()?;
    let mut changed: Vec<(usize, String)> = Vec::new();
    let mut look = |i: usize| {
        if a.is_valid(i)
            && let Some(n) = redact_known(a.value(i), known, rows(i))
        {
            changed.push((i, n));
        }
    };
    match only {
        Some(list) => list.iter().for_each(|&i| look(i)),
        None => (0..a.len()).for_each(&mut look),
    }
    hit.extend(changed.iter().map(|(i, _)| *i));
    if changed.is_empty() {
        return None;
    }
    let mut next = changed.into_iter().peekable();
    let values: StringArray = (0..a.len())
        .map(|i| {
            if next.peek().is_some_and(|(j, _)| *j == i) {
                next.next().map(|(_, s)| s)
            } else {
                a.is_valid(i).then(|| a.value(i).to_owned())
            }
        })
        .collect();
    Some(Arc::new(values))
}

impl Propagator {
    /// Whether no secret has been found yet.
    pub fn is_empty(&self) -> bool {
        self.learned.is_empty()
    }

    /// Records the secrets found in one batch, at entries (index, value).
    pub fn add(&mut self, found: impl IntoIterator<Item = (usize, String)>) {
        for (entry, v) in found {
            self.learned
                .learn(&v, i64::try_from(entry).unwrap_or(i64::MAX));
        }
        self.learned.end_step();
    }

    /// Redacts, in every output string of `batch`, the secrets found at the same or an
    /// earlier entry. `None` when nothing changed.
    ///
    /// # Errors
    /// When the batch cannot be rebuilt.
    pub fn apply(&self, batch: &RecordBatch) -> Result<Option<RecordBatch>> {
        if self.learned.known().is_empty() {
            return Ok(None);
        }
        let Some(idx) = column_index("entry_index").and_then(|i| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<Int64Array>()
                .cloned()
        }) else {
            return Ok(None);
        };
        let entry_of = |row: usize| idx.value(row);
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        let mut changed = false;
        let mut url_rows = Vec::new();
        for name in COLUMNS {
            let mut hit = Vec::new();
            if let Some(i) = column_index(name)
                && i < columns.len()
                && let Some(n) =
                    strings(&columns[i], &entry_of, self.learned.known(), None, &mut hit)
            {
                columns[i] = n;
                changed = true;
            }
            if *name == "url" {
                url_rows = hit;
            }
        }
        if !url_rows.is_empty() {
            for name in ["path", "query"] {
                if let Some(i) = column_index(name)
                    && i < columns.len()
                    && let Some(n) = strings(
                        &columns[i],
                        &entry_of,
                        self.learned.known(),
                        Some(&url_rows),
                        &mut Vec::new(),
                    )
                {
                    columns[i] = n;
                }
            }
        }
        for name in HEADER_COLUMNS {
            let Some(i) = column_index(name).filter(|&i| i < columns.len()) else {
                continue;
            };
            let Some(list) = columns[i].as_any().downcast_ref::<ListArray>() else {
                continue;
            };
            let Some(st) = list.values().as_any().downcast_ref::<StructArray>() else {
                continue;
            };
            let offsets = list.value_offsets();
            // Row of each element: offsets are sorted, so walk them alongside.
            let mut row_of = Vec::with_capacity(st.len());
            for r in 0..list.len() {
                let (a, b) = (offsets[r] as usize, offsets[r + 1] as usize);
                row_of.extend(std::iter::repeat_n(r, b - a));
            }
            let elem_entry = |j: usize| row_of.get(j).map_or(i64::MAX, |&r| entry_of(r));
            let Some(value_idx) = st.column_names().iter().position(|n| *n == "value") else {
                continue;
            };
            if let Some(n) = strings(
                st.column(value_idx),
                &elem_entry,
                self.learned.known(),
                None,
                &mut Vec::new(),
            ) {
                let mut children: Vec<ArrayRef> = st.columns().to_vec();
                children[value_idx] = n;
                let new_struct =
                    StructArray::try_new(st.fields().clone(), children, st.nulls().cloned())?;
                let field = match list.data_type() {
                    arrow_schema::DataType::List(f) => f.clone(),
                    _ => continue,
                };
                let new_list = ListArray::try_new(
                    field,
                    list.offsets().clone(),
                    Arc::new(new_struct),
                    list.nulls().cloned(),
                )?;
                columns[i] = Arc::new(new_list);
                changed = true;
            }
        }
        if !changed {
            return Ok(None);
        }
        Ok(Some(RecordBatch::try_new(batch.schema(), columns)?))
    }
}
