//! Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): keeps the first
//! and last points and, from each of `threshold - 2` equal buckets in between, the
//! point that forms the largest triangle with the point kept before it and the
//! average of the next bucket. Peaks and troughs survive; flat stretches thin out.

/// `points` must be sorted by x. Returns them unchanged when there are no more than
/// `threshold` (or `threshold` is below 3).
pub fn lttb(points: &[(f64, f64)], threshold: usize) -> Vec<(f64, f64)> {
    if threshold < 3 || points.len() <= threshold {
        return points.to_vec();
    }
    let mut kept = Vec::with_capacity(threshold);
    kept.push(points[0]);
    let every = (points.len() - 2) as f64 / (threshold - 2) as f64;
    let mut previous = 0;
    for bucket in 0..threshold - 2 {
        // This bucket's range and the next one's, over the inner points 1..len-1.
        let start = (bucket as f64 * every) as usize + 1;
        let end = (((bucket + 1) as f64 * every) as usize + 1).min(points.len() - 1);
        let next_end = (((bucket + 2) as f64 * every) as usize + 1).min(points.len());
        let next = if end < next_end {
            &points[end..next_end]
        } else {
            &points[points.len() - 1..]
        };
        let (avg_x, avg_y) = average(next);
        let (ax, ay) = points[previous];
        let mut best = start;
        let mut best_area = -1.0;
        for (offset, (bx, by)) in points[start..end.max(start + 1)].iter().enumerate() {
            let area = ((ax - avg_x) * (by - ay) - (ax - bx) * (avg_y - ay)).abs();
            if area > best_area {
                best_area = area;
                best = start + offset;
            }
        }
        kept.push(points[best]);
        previous = best;
    }
    kept.push(points[points.len() - 1]);
    kept
}

fn average(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len().max(1) as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    (sx / n, sy / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| (i as f64, ((i as f64) / 10.0).sin() * 100.0))
            .collect()
    }

    #[test]
    fn short_series_are_left_alone() {
        let points = series(50);
        assert_eq!(lttb(&points, 100), points);
        assert_eq!(lttb(&points, 2), points);
    }

    #[test]
    fn long_series_shrink_to_the_threshold_keeping_ends_and_order() {
        let points = series(10_000);
        let kept = lttb(&points, 500);
        assert_eq!(kept.len(), 500);
        assert_eq!(kept.first(), points.first());
        assert_eq!(kept.last(), points.last());
        assert!(kept.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(kept.iter().all(|point| points.contains(point)));
    }

    #[test]
    fn a_lone_spike_survives() {
        let mut points: Vec<(f64, f64)> = (0..5_000).map(|i| (i as f64, 1.0)).collect();
        points[2_345].1 = 900.0;
        let kept = lttb(&points, 100);
        assert!(kept.contains(&(2_345.0, 900.0)));
    }
}
