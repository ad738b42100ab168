//! OUT/index.html: the list of every release packet in OUT, with each
//! release's measures and, per product, small bar charts of them over its
//! releases. The charts are inline SVG drawn here (no script, nothing
//! loaded: the page's Content-Security-Policy stays `default-src 'none'`);
//! every text in them goes through the template's escaping.

use serde::Serialize;

use super::templates;
use crate::model::ReleaseEntry;
use crate::packet_file::SummaryMeasures;
use crate::render::RenderError;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 60.0;

#[derive(Serialize)]
struct Chart {
    title: &'static str,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    x: f64,
    w: f64,
    /// Version and value, for the bar's tooltip and the screen reader.
    label: String,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    y: f64,
    h: f64,
    fill: &'static str,
}

#[derive(Serialize)]
struct Product {
    name: String,
    charts: Vec<Chart>,
}

/// The list page, newest first as given.
pub fn release_list(entries: &[ReleaseEntry]) -> Result<Vec<u8>, RenderError> {
    #[derive(Serialize)]
    struct Page<'a> {
        releases: &'a [ReleaseEntry],
        products: Vec<Product>,
    }
    let mut names: Vec<&str> = entries.iter().map(|e| e.product.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let products = names
        .into_iter()
        .filter_map(|name| {
            // Oldest first, left to right.
            let series: Vec<(&str, &SummaryMeasures)> = entries
                .iter()
                .rev()
                .filter(|e| e.product == name)
                .filter_map(|e| Some((e.version.as_str(), e.measures.as_ref()?)))
                .collect();
            (!series.is_empty()).then(|| Product {
                name: name.to_string(),
                charts: charts(&series),
            })
        })
        .collect();
    templates::render(
        "releases.html",
        &Page {
            releases: entries,
            products,
        },
        None,
    )
}

const GREEN: &str = "#0a6b2d";
const RED: &str = "#a1121b";
const BLUE: &str = "#0b4f8a";
const AMBER: &str = "#b36b00";

fn charts(series: &[(&str, &SummaryMeasures)]) -> Vec<Chart> {
    let one = |title, fill, value: &dyn Fn(&SummaryMeasures) -> f64| Chart {
        title,
        bars: bars(series, &|m| vec![(value(m), fill)], &|m| {
            format_value(value(m))
        }),
    };
    vec![
        one("Requirements fully traced (%)", GREEN, &|m| {
            m.traced_percent
        }),
        one("Deviations in force", AMBER, &|m| {
            m.deviations_in_force as f64
        }),
        Chart {
            title: "Open anomalies (critical, major, minor, cosmetic)",
            bars: bars(
                series,
                &|m| {
                    ["critical", "major", "minor", "cosmetic"]
                        .iter()
                        .zip([RED, AMBER, BLUE, "#6b7785"])
                        .map(|(s, fill)| (*m.open_anomalies.get(*s).unwrap_or(&0) as f64, fill))
                        .collect()
                },
                &|m| {
                    let o = &m.open_anomalies;
                    let n = |s: &str| o.get(s).copied().unwrap_or(0);
                    format!(
                        "{} critical, {} major, {} minor, {} cosmetic",
                        n("critical"),
                        n("major"),
                        n("minor"),
                        n("cosmetic")
                    )
                },
            ),
        },
        Chart {
            title: "Tests by outcome (pass, other)",
            bars: bars(
                series,
                &|m| {
                    let pass = *m.tests_by_outcome.get("pass").unwrap_or(&0) as f64;
                    let all: usize = m.tests_by_outcome.values().sum();
                    vec![(pass, GREEN), (all as f64 - pass, RED)]
                },
                &|m| {
                    m.tests_by_outcome
                        .iter()
                        .map(|(k, v)| format!("{v} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ),
        },
        one("Days from first approval to release", BLUE, &|m| {
            m.days_first_approval_to_release.unwrap_or(0).max(0) as f64
        }),
    ]
}

/// One bar per release, its segments stacked from the bottom; heights
/// scaled to the largest total of the series.
fn bars(
    series: &[(&str, &SummaryMeasures)],
    segments: &dyn Fn(&SummaryMeasures) -> Vec<(f64, &'static str)>,
    text: &dyn Fn(&SummaryMeasures) -> String,
) -> Vec<Bar> {
    let totals: Vec<f64> = series
        .iter()
        .map(|(_, m)| segments(m).iter().map(|s| s.0.max(0.0)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let slot = WIDTH / series.len().max(1) as f64;
    let w = (slot * 0.7).min(28.0);
    series
        .iter()
        .enumerate()
        .map(|(n, (version, m))| {
            let mut top = HEIGHT;
            let segments = segments(m)
                .into_iter()
                .filter(|(v, _)| *v > 0.0)
                .map(|(v, fill)| {
                    let h = round(v / max * HEIGHT);
                    top -= h;
                    Segment {
                        y: round(top),
                        h,
                        fill,
                    }
                })
                .collect();
            Bar {
                x: round(n as f64 * slot + (slot - w) / 2.0),
                w: round(w),
                label: format!("{version}: {}", text(m)),
                segments,
            }
        })
        .collect()
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
