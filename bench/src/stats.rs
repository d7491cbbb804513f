//! Medians and ranges over repeated measurements.

use std::fmt;

/// The median, minimum and maximum of a set of measurements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle measurement (the mean of the two middle ones for an even count).
    pub median: f64,
    /// The smallest measurement.
    pub min: f64,
    /// The largest measurement.
    pub max: f64,
}

impl Summary {
    /// Summarises `samples`.
    ///
    /// # Panics
    ///
    /// If `samples` is empty or holds a NaN.
    #[must_use]
    pub fn of(samples: &[f64]) -> Self {
        assert!(!samples.is_empty(), "no samples to summarise");
        let mut sorted = samples.to_vec();
        sorted.sort_by(|a, b| a.partial_cmp(b).expect("NaN sample"));
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            f64::midpoint(sorted[mid - 1], sorted[mid])
        };
        Self {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }

    /// Summarises the per-round ratios `numerator[i] / denominator[i]` (the two contenders
    /// measured back to back in round `i`).
    ///
    /// # Panics
    ///
    /// As [`Summary::of`], if there are no rounds.
    #[must_use]
    pub fn of_ratios(numerator: &[f64], denominator: &[f64]) -> Self {
        let ratios: Vec<f64> = numerator
            .iter()
            .zip(denominator)
            .map(|(n, d)| n / d)
            .collect();
        Self::of(&ratios)
    }
}

impl fmt::Display for Summary {
    /// `median (min–max)`, with a precision that suits the magnitude.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = if self.median >= 100.0 {
            0
        } else if self.median >= 10.0 {
            1
        } else {
            2
        };
        let text = format!(
            "{:.p$} ({:.p$}–{:.p$})",
            self.median,
            self.min,
            self.max,
            p = precision
        );
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = Summary::of(&[5.0, 1.0, 3.0]);
        assert_eq!(
            odd,
            Summary {
                median: 3.0,
                min: 1.0,
                max: 5.0
            }
        );
        assert!((Summary::of(&[4.0, 1.0, 2.0, 3.0]).median - 2.5).abs() < 1e-12);
        assert_eq!(odd.to_string(), "3.00 (1.00–5.00)");
    }
}
