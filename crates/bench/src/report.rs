//! The report: one row per figure with its goal, printed as a table and
//! written to `BENCHMARKS.md` with the machine it was measured on.

/// Whether a figure reached its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The goal was reached.
    Met,
    /// The goal was not reached.
    Missed,
    /// A figure without a goal, reported for reference.
    Reported,
}

impl Verdict {
    /// `Met` when `reached`, else `Missed`.
    pub(crate) fn of(reached: bool) -> Verdict {
        if reached {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::Reported => "—",
        }
    }
}

/// One figure of the report.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// What was measured.
    pub(crate) figure: String,
    /// The goal, as the issue states it; empty when there is none.
    pub(crate) goal: String,
    /// What was measured: medians with their spread, ratios.
    pub(crate) measured: String,
    /// Whether the goal was reached.
    pub(crate) verdict: Verdict,
}

impl Row {
    /// A row.
    pub(crate) fn new(
        figure: impl Into<String>,
        goal: impl Into<String>,
        measured: impl Into<String>,
        verdict: Verdict,
    ) -> Row {
        Row {
            figure: figure.into(),
            goal: goal.into(),
            measured: measured.into(),
            verdict,
        }
    }
}

/// The rows as a Markdown table.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = String::from("| figure | goal | measured | goal reached |\n|---|---|---|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&row.figure),
            cell(&row.goal),
            cell(&row.measured),
            row.verdict.label()
        ));
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

/// The whole `BENCHMARKS.md`.
pub(crate) fn document(
    machine: &[(String, String)],
    rows: &[Row],
    command: &str,
    notes: &[String],
) -> String {
    let mut out = String::from("# Benchmarks\n\n");
    out.push_str(&format!(
        "Written by `{command}`; every figure is the median of its samples with the 10th–90th \
         percentile spread and the number of samples, and every ratio compares two medians \
         measured in the same run, the component first. The component runs in wasmtime \
         (release build, pooling allocator, one `InstancePre`, a fresh instance per call); the \
         native baseline runs the same core crate on `ureq` (`crates/native`). Both talk to \
         the same mock Pinterest on loopback, in the same process; both keep connections open \
         between requests (the host's default) unless a figure says otherwise. The runtime has \
         two tokio workers, as a server on this machine would; the rows marked \"on one \
         thread\" repeat the comparisons on a current-thread runtime, where no request \
         crosses threads.\n\n"
    ));
    out.push_str("## Machine\n\n");
    for (name, value) in machine {
        out.push_str(&format!("- {name}: {value}\n"));
    }
    out.push_str("\n## Figures\n\n");
    out.push_str(&table(rows));
    if !notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_escapes_cells_and_labels_verdicts() {
        let rows = [
            Row::new("a|b", "≤ 1", "2", Verdict::Missed),
            Row::new("c", "", "3", Verdict::Reported),
        ];
        let text = table(&rows);
        assert!(text.contains("| a\\|b | ≤ 1 | 2 | **missed** |"));
        assert!(text.contains("| c |  | 3 | — |"));
    }
}
