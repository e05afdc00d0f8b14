//! The aggregations of `skm_experiments::frames` give the same bits whatever the size of
//! polars' thread pool. Polars sizes its pool once per process (`POLARS_MAX_THREADS`), so the
//! test runs itself twice as a child process, with one thread and with four, and compares
//! what the children print.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use skm_experiments::frames::{count, curves_by, is, mean_by, scalar};

/// Set in the children: print the aggregates instead of spawning.
const CHILD: &str = "SKM_POLARS_THREADS_CHILD";
const NAME: &str = "aggregations_do_not_depend_on_the_polars_thread_count";

/// A frame large enough for polars' multi-threaded group-by: 200,000 rows in 64 groups of
/// steps, values spread over twelve decades so that the order of a sum shows in its bits.
fn frame() -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let rows = 200_000;
    let seed: Vec<u64> = (0..rows).map(|_| rng.random_range(0..8)).collect();
    let step: Vec<u64> = (0..rows).map(|_| rng.random_range(0..64)).collect();
    let value: Vec<f64> = (0..rows)
        .map(|_| rng.random::<f64>() * 10f64.powi(rng.random_range(-6..6)))
        .collect();
    let answer: Vec<&str> = (0..rows)
        .map(|_| ["correct", "hallucinated", "malformed"][rng.random_range(0..3)])
        .collect();
    df!("seed" => seed, "step" => step, "value" => value, "answer" => answer).unwrap()
}

/// Every aggregate, as the exact bits of each number.
fn aggregates() -> String {
    let frame = frame();
    let rows = || frame.clone().lazy();
    let mut out = Vec::new();
    for (x, y) in mean_by(rows(), "step", col("value")).unwrap() {
        out.push(format!("mean {} {:x}", x, y.to_bits()));
    }
    let shares = mean_by(
        rows().filter(is("answer", "correct").not()),
        "step",
        is("answer", "malformed"),
    );
    for (x, y) in shares.unwrap() {
        out.push(format!("share {} {:x}", x, y.to_bits()));
    }
    for (xs, ys) in curves_by(&frame, "seed", "step", "value").unwrap() {
        let bits: u64 = ys
            .iter()
            .zip(&xs)
            .fold(0, |h, (y, x)| h.rotate_left(5) ^ y.to_bits() ^ x.to_bits());
        out.push(format!("curve {} {bits:x}", ys.len()));
    }
    let late = rows().filter(col("step").gt_eq(lit(8)));
    let late_mean = scalar(late, col("value").mean()).unwrap();
    out.push(format!("filtered mean {:x}", late_mean.to_bits()));
    let total = scalar(rows(), col("value").sum()).unwrap();
    out.push(format!("sum {:x}", total.to_bits()));
    out.push(format!(
        "count {}",
        count(rows().filter(is("answer", "correct"))).unwrap()
    ));
    out.join("\n")
}

#[test]
fn aggregations_do_not_depend_on_the_polars_thread_count() {
    if std::env::var_os(CHILD).is_some() {
        println!("BEGIN\n{}\nEND", aggregates());
        return;
    }
    let run = |threads: &str| {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("POLARS_MAX_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the child with {threads} thread(s) failed"
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        let begin = stdout
            .find("BEGIN")
            .expect("the child printed its aggregates");
        let end = stdout.find("END").unwrap();
        stdout[begin..end].to_string()
    };
    let (one, four) = (run("1"), run("4"));
    assert!(one.lines().count() > 64 * 2 + 8, "{one}");
    assert_eq!(one, four);
}
