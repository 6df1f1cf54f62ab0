//! `expected_duration.rs`: how long tasks take per the sources, the task waiter's prior.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::rust_text::{int, lit};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let model_ident: BTreeMap<&str, &str> = spec
        .models
        .iter()
        .map(|m| (m.wire.as_str(), m.variant.as_str()))
        .collect();
    let resolution_ident: BTreeMap<&str, &str> = spec
        .resolutions
        .iter()
        .map(|r| (r.wire.as_str(), r.variant.as_str()))
        .collect();
    let mut out = String::from(
        "use std::time::Duration;\n\nuse crate::{ExpectedDuration, Model, Resolution};\n\n\
         /// How long tasks take, submit to success, as the sources report it: the rows of \
         `[[expected_durations]]`.\n///\n/// The first row that matches a task applies; the last \
         matches every task. [`ExpectedDuration::of`] picks it.\n",
    );
    let _ = writeln!(
        out,
        "pub static EXPECTED_DURATIONS: [ExpectedDuration; {}] = [",
        spec.expected_durations.len()
    );
    for row in &spec.expected_durations {
        let model = row.model.as_deref().map_or_else(
            || "None".to_owned(),
            |wire| format!("Some(Model::{})", model_ident[wire]),
        );
        let resolution = row.resolution.as_deref().map_or_else(
            || "None".to_owned(),
            |wire| format!("Some(Resolution::{})", resolution_ident[wire]),
        );
        let multi_view = row
            .multi_view
            .map_or_else(|| "None".to_owned(), |v| format!("Some({v})"));
        let _ = writeln!(
            out,
            "ExpectedDuration {{ model: {model}, resolution: {resolution}, multi_view: {multi_view}, \
             typical: Duration::from_secs({}), source: {} }},",
            int(row.secs),
            lit(&row.source),
        );
    }
    out.push_str("];\n");
    out
}
