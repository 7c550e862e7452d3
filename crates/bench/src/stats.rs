//! Samples of one measurement and what the report says of them: the
//! median and the spread between the 10th and 90th percentiles.

use std::time::Duration;

/// The timings of one measurement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Samples {
    values: Vec<f64>,
}

impl Samples {
    /// Adds one timing.
    pub(crate) fn push(&mut self, value: Duration) {
        self.values.push(value.as_secs_f64());
    }

    /// Adds one value that is not a duration (a rate, a size).
    pub(crate) fn push_value(&mut self, value: f64) {
        self.values.push(value);
    }

    /// How many samples there are.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    fn sorted(&self) -> Vec<f64> {
        let mut sorted = self.values.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
    }

    /// The `p`th percentile (0–100), by the nearest rank; 0 when empty.
    pub(crate) fn percentile(&self, p: f64) -> f64 {
        let sorted = self.sorted();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted[rank.min(sorted.len() - 1)]
    }

    /// The median.
    pub(crate) fn median(&self) -> f64 {
        self.percentile(50.0)
    }

    /// The 10th and 90th percentiles.
    pub(crate) fn spread(&self) -> (f64, f64) {
        (self.percentile(10.0), self.percentile(90.0))
    }
}

/// A duration in seconds, in the unit that reads best.
pub(crate) fn time(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// A median of timings with its spread: `1.23 ms (1.20–1.31, n=21)`.
pub(crate) fn timing(samples: &Samples) -> String {
    let (low, high) = samples.spread();
    format!(
        "{} ({}–{}, n={})",
        time(samples.median()),
        time(low),
        time(high),
        samples.len()
    )
}

/// A byte count as `1 062 730 B (1037.8 KiB)`.
pub(crate) fn bytes(count: u64) -> String {
    format!("{} B ({:.1} KiB)", grouped(count), count as f64 / 1024.0)
}

/// A byte count in MiB.
pub(crate) fn mebibytes(count: u64) -> String {
    format!("{:.2} MiB", count as f64 / (1024.0 * 1024.0))
}

/// `1062730` as `1 062 730`.
pub(crate) fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread_by_nearest_rank() {
        let mut s = Samples::default();
        for v in [5.0, 1.0, 3.0, 2.0, 4.0] {
            s.push_value(v);
        }
        assert_eq!(s.median(), 3.0);
        assert_eq!(s.spread(), (1.0, 5.0));
        assert_eq!(Samples::default().median(), 0.0);
    }

    #[test]
    fn units_and_grouping() {
        assert_eq!(time(0.000_012_3), "12.3 µs");
        assert_eq!(time(0.004_56), "4.56 ms");
        assert_eq!(time(2.0), "2.00 s");
        assert_eq!(grouped(1_062_730), "1 062 730");
        assert_eq!(grouped(999), "999");
    }
}
