//! Figure 16 of the Raft paper, in miniature (the full sweep is `quorate raft fig16`): after the leader
//! crashes, a randomized 12–24 ms timeout finds a new leader in tens of milliseconds and 150–300 ms in a
//! few hundred, while identical timeouts (150–150) split votes far more often.

use quorate_raft::sweep::fig16::{sweep, Fig16Params};

#[test]
fn randomized_timeouts_elect_quickly_and_identical_ones_split() {
    let params = Fig16Params {
        trials: 25,
        ..Fig16Params::default()
    };
    let results = sweep(&[(12, 24), (150, 300), (150, 150)], &params, |_| {});
    let (fast, normal, fixed) = (&results[0], &results[1], &results[2]);
    println!(
        "{}",
        quorate_raft::sweep::fig16::describe_table(&results, &params)
    );
    assert_eq!(fast.censored + normal.censored, 0);
    let fast_mean = fast.mean().unwrap();
    assert!(
        fast_mean < 100.0,
        "12-24 ms: mean {fast_mean} ms (paper: about 35 ms)"
    );
    let worst = normal.quantile(1.0).unwrap();
    assert!(worst < 1500.0, "150-300 ms: worst {worst} ms");
    let fixed_median = fixed.quantile(0.5).unwrap_or(f64::INFINITY);
    assert!(
        fixed_median > normal.quantile(0.5).unwrap(),
        "150-150 should be slower than 150-300"
    );
}
