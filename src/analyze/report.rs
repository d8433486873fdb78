//! `harx report`: the data behind the self-contained HTML report. The page's code and
//! styles live in `assets/report/` and are compiled into the binary; the data is embedded
//! as JSON, so the page makes no request of any kind.

use super::record::Record;
use super::stats::GroupStats;
use super::summary::{Summarizer, Summary};
use serde::Serialize;
use std::collections::HashMap;

/// Histogram bin lower bounds for TTFB, ms (the last bin is open).
pub const HIST_EDGES: [f64; 14] = [
    0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
];
/// Header text (names and values) embedded for all entries at most; beyond it, headers
/// are embedded for failed entries only, up to twice this.
pub const HEADER_BUDGET: usize = 24 << 20;

const JS: &str = include_str!("../../assets/report/report.js");
const CSS: &str = include_str!("../../assets/report/report.css");

/// A histogram of TTFB values.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Histogram {
    /// Bin labels (lower bounds; the last ends with `+`).
    pub labels: Vec<String>,
    /// Values per bin.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// An empty histogram over [`HIST_EDGES`].
    pub fn new() -> Self {
        let n = HIST_EDGES.len();
        Self {
            labels: HIST_EDGES
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    if i + 1 == n {
                        format!("{e}+")
                    } else {
                        format!("{e}")
                    }
                })
                .collect(),
            counts: vec![0; n],
        }
    }

    /// Counts one value.
    pub fn add(&mut self, v: f64) {
        let bin = HIST_EDGES.iter().rposition(|e| v >= *e).unwrap_or(0);
        self.counts[bin] += 1;
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Default)]
struct Interner {
    map: HashMap<String, u32>,
    strings: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: Option<&str>) -> i64 {
        let Some(s) = s else { return -1 };
        if let Some(&i) = self.map.get(s) {
            return i64::from(i);
        }
        let i = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.strings.push(s.to_owned());
        self.map.insert(s.to_owned(), i);
        i64::from(i)
    }
}

/// Column arrays, one value per entry (short keys: the page holds 50,000 entries).
#[derive(Debug, Default, Serialize)]
struct Columns {
    /// Start, ms after the earliest start.
    t: Vec<f64>,
    /// Page index, -1 none.
    pg: Vec<i64>,
    /// 7 phases per entry, -1 absent.
    ph: Vec<f64>,
    /// Total ms, -1 absent.
    tot: Vec<f64>,
    /// Status, -1 none.
    st: Vec<i64>,
    /// String ids.
    cls: Vec<i64>,
    m: Vec<i64>,
    u: Vec<i64>,
    rt: Vec<i64>,
    mime: Vec<i64>,
    tid: Vec<i64>,
    err: Vec<i64>,
    /// Transfer and content sizes, -1 unknown.
    ts: Vec<i64>,
    cs: Vec<i64>,
    /// File index and entry index.
    f: Vec<i64>,
    i: Vec<i64>,
    /// Headers as flat [name, value, …] string ids, or null when not embedded.
    rh: Vec<Option<Vec<i64>>>,
    sh: Vec<Option<Vec<i64>>>,
}

#[derive(Debug, Serialize)]
struct Page {
    id: String,
    title: Option<String>,
    file: usize,
}

#[derive(Debug, Serialize)]
struct HarData<'a> {
    kind: &'static str,
    /// Entries counted in the summary but left out of the waterfall (past its cap).
    waterfall_omitted: usize,
    generated_by: String,
    sanitized: bool,
    files: &'a [super::summary::FileInfo],
    summary: &'a Summary,
    hist: &'a Histogram,
    pages: &'a [Page],
    strings: &'a [String],
    e: &'a Columns,
}

/// Builds the HAR report from records.
#[derive(Debug)]
pub struct HarReport {
    summarizer: Summarizer,
    strings: Interner,
    cols: Columns,
    starts: Vec<Option<i64>>,
    pages: Vec<Page>,
    page_index: HashMap<(String, String), usize>,
    files: HashMap<String, usize>,
    hist: Histogram,
    header_bytes: usize,
    /// Entries whose headers were left out.
    pub headers_omitted: usize,
    /// Entries left out of the waterfall (past [`WATERFALL_ENTRIES`]); the summary,
    /// failures, slowest requests and histogram count every entry.
    pub waterfall_omitted: usize,
}

/// Most entries drawn in the waterfall: the page stays usable and the report's memory
/// stays bounded however many entries the inputs hold.
pub const WATERFALL_ENTRIES: usize = 100_000;

impl HarReport {
    /// A report listing the `top` slowest requests.
    pub fn new(top: usize) -> Self {
        Self {
            summarizer: Summarizer::new(top),
            strings: Interner::default(),
            cols: Columns::default(),
            starts: Vec::new(),
            pages: Vec::new(),
            page_index: HashMap::new(),
            files: HashMap::new(),
            hist: Histogram::new(),
            header_bytes: 0,
            headers_omitted: 0,
            waterfall_omitted: 0,
        }
    }

    fn headers(&mut self, h: &[(String, String)], failed: bool) -> Option<Vec<i64>> {
        let bytes: usize = h.iter().map(|(n, v)| n.len() + v.len()).sum();
        let limit = if failed {
            2 * HEADER_BUDGET
        } else {
            HEADER_BUDGET
        };
        if self.header_bytes + bytes > limit {
            return None;
        }
        self.header_bytes += bytes;
        Some(
            h.iter()
                .flat_map(|(n, v)| [n.as_str(), v.as_str()])
                .map(|s| self.strings.id(Some(s)))
                .collect(),
        )
    }

    /// Adds one record (read with all headers).
    pub fn add(&mut self, r: &Record) {
        self.summarizer.add(r);
        if r.ttfb_exclusion().is_none()
            && let Some(w) = r.wait_ms()
        {
            self.hist.add(w);
        }
        if self.starts.len() >= WATERFALL_ENTRIES {
            self.waterfall_omitted += 1;
            return;
        }
        let next_file = self.files.len();
        let file = *self.files.entry(r.source_file.clone()).or_insert(next_file);
        let pg = match &r.page_id {
            Some(id) => {
                let key = (r.source_file.clone(), id.clone());
                let next = self.pages.len();
                let idx = *self.page_index.entry(key).or_insert(next);
                if idx == next {
                    self.pages.push(Page {
                        id: id.clone(),
                        title: r.page_title.clone(),
                        file,
                    });
                }
                idx as i64
            }
            None => -1,
        };
        let c = &mut self.cols;
        self.starts.push(r.started_at);
        c.pg.push(pg);
        c.ph.extend(r.phases.iter().map(|p| p.unwrap_or(-1.0)));
        c.tot.push(r.total_ms.unwrap_or(-1.0));
        c.st.push(r.status.map_or(-1, i64::from));
        c.ts.push(r.transfer_size.unwrap_or(-1));
        c.cs.push(r.content_size.unwrap_or(-1));
        c.f.push(file as i64);
        c.i.push(r.entry_index);
        let ids = [
            Some(r.status_class.as_str()),
            Some(r.method.as_str()),
            Some(r.url.as_str()),
            r.resource_type.as_deref(),
            r.mime_type.as_deref(),
            r.tracking_id.as_deref(),
            r.error.as_deref(),
        ]
        .map(|s| self.strings.id(s));
        let c = &mut self.cols;
        c.cls.push(ids[0]);
        c.m.push(ids[1]);
        c.u.push(ids[2]);
        c.rt.push(ids[3]);
        c.mime.push(ids[4]);
        c.tid.push(ids[5]);
        c.err.push(ids[6]);
        let failed = r.failed();
        let rh = self.headers(&r.request_headers, failed);
        let sh = self.headers(&r.response_headers, failed);
        if rh.is_none() || sh.is_none() {
            self.headers_omitted += 1;
        }
        self.cols.rh.push(rh);
        self.cols.sh.push(sh);
    }

    /// The complete HTML page.
    ///
    /// # Errors
    /// When the data cannot be serialized.
    pub fn html(
        mut self,
        files: Vec<super::summary::FileInfo>,
        sanitized: bool,
    ) -> serde_json::Result<String> {
        let t0 = self.starts.iter().flatten().min().copied().unwrap_or(0);
        self.cols.t = self
            .starts
            .iter()
            .map(|s| s.map_or(0.0, |s| (s - t0) as f64 / 1000.0))
            .collect();
        let summary = self.summarizer.finish(files);
        let data = HarData {
            kind: "har",
            waterfall_omitted: self.waterfall_omitted,
            generated_by: format!("harx {}", env!("CARGO_PKG_VERSION")),
            sanitized,
            files: &summary.files,
            summary: &summary,
            hist: &self.hist,
            pages: &self.pages,
            strings: &self.strings.strings,
            e: &self.cols,
        };
        let title = match summary.files.as_slice() {
            [one] => format!("harx report: {}", one.path),
            more => format!("harx report: {} HAR files", more.len()),
        };
        Ok(page(&title, &serde_json::to_string(&data)?))
    }
}

#[derive(Debug, Serialize)]
struct FleetData<'a> {
    kind: &'static str,
    generated_by: String,
    sources: &'a [String],
    /// `harx stats --by tenant,date` groups (`key` = [tenant, date]).
    groups: &'a [GroupStats],
    hist: &'a Histogram,
}

/// The dataset (fleet) report page.
///
/// # Errors
/// When the data cannot be serialized.
pub fn fleet_html(
    sources: &[String],
    groups: &[GroupStats],
    hist: &Histogram,
) -> serde_json::Result<String> {
    let data = FleetData {
        kind: "dataset",
        generated_by: format!("harx {}", env!("CARGO_PKG_VERSION")),
        sources,
        groups,
        hist,
    };
    Ok(page("harx fleet report", &serde_json::to_string(&data)?))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page around the data. The JSON is made safe to sit inside `<script>`: every `<`
/// (only ever inside JSON strings) is written as `\u003c`. The Content-Security-Policy
/// forbids every fetch, so the page cannot reach the network even by mistake.
fn page(title: &str, json: &str) -> String {
    let json = json.replace('<', "\\u003c");
    let mut o = String::with_capacity(json.len() + JS.len() + CSS.len() + 1024);
    o.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    o.push_str(&escape_html(title));
    o.push_str("</title>\n<style>\n");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n<div id=\"app\"></div>\n<script id=\"harx-data\" type=\"application/json\">");
    o.push_str(&json);
    o.push_str("</script>\n<script>\n");
    o.push_str(JS);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins() {
        let mut h = Histogram::new();
        for v in [0.0, 0.5, 1.0, 4.9, 5.0, 99.0, 10000.0, 1e9] {
            h.add(v);
        }
        assert_eq!(h.labels[0], "0");
        assert_eq!(h.labels[13], "10000+");
        assert_eq!(&h.counts[..4], &[2, 1, 1, 1]);
        assert_eq!(h.counts[6], 1);
        assert_eq!(h.counts[13], 2);
    }

    #[test]
    fn script_cannot_be_closed_by_data() {
        let p = page("a<b", r#"{"u":"</script><script>alert(1)</script>"}"#);
        assert_eq!(p.matches("</script>").count(), 2);
        assert!(p.contains(r"\u003c/script>"));
        assert!(p.contains("<title>a&lt;b</title>"));
    }
}
