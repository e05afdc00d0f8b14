//! Training on Syntax-Knowledge streams: determinism, divergence, exact resume, early
//! stopping and the per-role evaluation.

use std::path::Path;

use skm_generator::{Corpus, GeneratorConfig, Role};
use skm_trainer::checkpoint::{self, named_parameters};
use skm_trainer::{
    ModelConfig, RunOptions, StopReason, TrainConfig, Trainer, TrainerError, default_device,
    evaluate_roles, run,
};

fn corpus() -> Corpus {
    let config = GeneratorConfig {
        alpha: 0.5,
        beta: 1.0,
        seed: 11,
        name_tokens: 3,
        name_vocab: 32,
        attributes: 2,
        values_per_attribute: 8,
        templates_per_attribute: 2,
        template_dirichlet: 1.0,
        filler_vocab: 4,
    };
    Corpus::generate(&config, 1200).expect("corpus")
}

fn model(corpus: &Corpus) -> ModelConfig {
    ModelConfig {
        vocab_size: corpus.world.vocabulary.size(),
        context: 16,
        d_model: 32,
        n_heads: 2,
        n_layers: 2,
        init_std: 0.02,
    }
}

fn train_config(steps: usize) -> TrainConfig {
    TrainConfig {
        seed: 5,
        batch_size: 8,
        steps,
        learning_rate: 3e-3,
        min_learning_rate: 3e-4,
        warmup_steps: 3,
        grad_clip: Some(1.0),
        eval_every: 4,
        checkpoint_every: 4,
        ..TrainConfig::spec()
    }
}

/// Training tokens (the first 1000 sentences) and held-out tokens (the rest).
fn split(corpus: &Corpus) -> (&[u32], &[u32]) {
    corpus.tokens.split_at(corpus.offsets[1000])
}

fn weights(trainer: &Trainer) -> Vec<(String, Vec<usize>, Vec<u32>)> {
    named_parameters(trainer.model().expect("weights"))
        .into_iter()
        .map(|p| {
            (
                p.name,
                p.shape,
                p.values.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

fn train(steps: usize, options: &RunOptions) -> (Trainer, skm_trainer::TrainReport) {
    let corpus = corpus();
    let (train, heldout) = split(&corpus);
    let mut trainer =
        Trainer::new(&model(&corpus), &train_config(steps), &default_device()).expect("trainer");
    let report = run(&mut trainer, train, heldout, options, |_, _| Ok(())).expect("run");
    (trainer, report)
}

/// The engine cuts each batch into fixed parts, so the thread count changes nothing: losses,
/// held-out evaluations and weights agree bit for bit with 1, 2 and 3 threads.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let (trainer, report) = train(6, &RunOptions::default());
            let losses: Vec<u32> = report.state.losses.iter().map(|l| l.to_bits()).collect();
            (losses, report.state.evals, weights(&trainer))
        })
    };
    let one = in_pool(1);
    assert_eq!(one, in_pool(2));
    assert_eq!(one, in_pool(3));
}

#[test]
fn two_runs_give_identical_losses_and_weights() {
    let (a, report_a) = train(12, &RunOptions::default());
    let (b, report_b) = train(12, &RunOptions::default());
    let bits = |r: &skm_trainer::TrainReport| -> Vec<u32> {
        r.state.losses.iter().map(|l| l.to_bits()).collect()
    };
    assert_eq!(report_a.state.losses.len(), 12);
    assert_eq!(bits(&report_a), bits(&report_b));
    assert_eq!(report_a.state.evals, report_b.state.evals);
    assert!(weights(&a) == weights(&b), "weights differ");
    // It learns: the loss falls from about ln V.
    let first = report_a.state.losses[0];
    let last = *report_a.state.losses.last().expect("losses");
    assert!((f64::from(first) - (a.model_config().vocab_size as f64).ln()).abs() < 0.2);
    assert!(last < first - 0.5, "{first} -> {last}");
}

#[test]
fn interrupted_and_resumed_run_ends_with_identical_weights() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: None,
    };
    let (straight, straight_report) = train(14, &options);

    let resumed_dir = tempfile::tempdir().expect("tempdir");
    let interrupted = RunOptions {
        checkpoint_dir: Some(resumed_dir.path().to_path_buf()),
        stop_after: Some(6),
    };
    let (_, first) = train(14, &interrupted);
    assert_eq!(first.stop, StopReason::Interrupted);
    assert_eq!(first.state.step, 6);
    let last = checkpoint::path_in(resumed_dir.path(), "last");
    assert_eq!(first.last_checkpoint.as_deref(), Some(last.as_path()));

    // A fresh trainer from the file alone.
    let corpus = corpus();
    let (train, heldout) = split(&corpus);
    let mut resumed = Trainer::resume(&last, &default_device()).expect("resume");
    assert_eq!(resumed.state().step, 6);
    let second = run(
        &mut resumed,
        train,
        heldout,
        &RunOptions {
            checkpoint_dir: Some(resumed_dir.path().to_path_buf()),
            stop_after: None,
        },
        |_, _| Ok(()),
    )
    .expect("resumed run");
    assert_eq!(second.stop, StopReason::Budget);
    assert_eq!(second.state, straight_report.state);
    assert!(weights(&resumed) == weights(&straight), "weights differ");
    let best = checkpoint::load(&checkpoint::path_in(dir.path(), "best")).expect("best");
    assert_eq!(best.state.best, straight_report.state.best);
}

#[test]
fn early_stopping_stops_when_heldout_loss_stops_improving() {
    let corpus = corpus();
    let (train, heldout) = split(&corpus);
    // A learning rate this large makes the held-out loss worse after the first evaluation.
    let config = TrainConfig {
        learning_rate: 0.5,
        min_learning_rate: 0.5,
        warmup_steps: 0,
        grad_clip: None,
        eval_every: 1,
        patience: Some(2),
        checkpoint_every: 0,
        ..train_config(40)
    };
    let mut trainer = Trainer::new(&model(&corpus), &config, &default_device()).expect("trainer");
    match run(
        &mut trainer,
        train,
        heldout,
        &RunOptions::default(),
        |_, _| Ok(()),
    ) {
        Ok(report) => {
            assert_eq!(report.stop, StopReason::EarlyStopping);
            let (best_step, _) = report.state.best.expect("best");
            assert_eq!(report.state.step, best_step + 2);
            assert_eq!(report.state.evals_since_best, 2);
        }
        Err(TrainerError::Diverged { .. }) => panic!("diverged instead of stopping early"),
        Err(e) => panic!("{e}"),
    }
}

/// Rewrites the checkpoint at `from` into `to` with every weight of `lnf.gamma` set to `value`.
fn poison(from: &Path, to: &Path, value: f32) {
    use safetensors::tensor::{SafeTensors, TensorView};
    let buffer = std::fs::read(from).expect("read");
    let file = SafeTensors::deserialize(&buffer).expect("safetensors");
    let (_, header) = SafeTensors::read_metadata(&buffer).expect("metadata");
    let poisoned: Vec<u8> = std::iter::repeat_n(value.to_le_bytes(), 32)
        .flatten()
        .collect();
    let tensors: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            if name == "model.lnf.gamma" {
                let shape = view.shape().to_vec();
                (
                    name,
                    TensorView::new(view.dtype(), shape, &poisoned).expect("view"),
                )
            } else {
                (name, view)
            }
        })
        .collect();
    safetensors::serialize_to_file(tensors, header.metadata().clone(), to).expect("write");
}

#[test]
fn a_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: Some(2),
    };
    train(6, &options);
    let last = checkpoint::path_in(dir.path(), "last");
    poison(&last, &last, f32::NAN);
    let before = std::fs::read(&last).expect("read");

    let corpus = corpus();
    let (train, heldout) = split(&corpus);
    let mut trainer = Trainer::resume(&last, &default_device()).expect("resume");
    let options = RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: None,
    };
    let error = run(&mut trainer, train, heldout, &options, |_, _| Ok(())).expect_err("diverges");
    match &error {
        TrainerError::Diverged {
            step,
            quantity,
            value,
            last_good,
        } => {
            assert_eq!((*step, *quantity), (2, "loss"));
            assert!(value.is_nan());
            assert_eq!(last_good.as_deref(), Some(last.as_path()));
        }
        other => panic!("expected divergence, got {other}"),
    }
    assert!(error.to_string().contains("diverged at step 2"), "{error}");
    assert_eq!(trainer.state().step, 2, "the diverged step is not counted");
    assert_eq!(
        std::fs::read(&last).expect("read"),
        before,
        "last good checkpoint kept"
    );
}

#[test]
fn roles_split_heldout_bits_and_excess_over_the_oracle() {
    let corpus = corpus();
    let (trainer, _) = train(12, &RunOptions::default());
    let model = trainer.model().expect("weights");
    let evaluation = evaluate_roles(model, &corpus, 1000..1200, 16).expect("evaluation");
    let tokens = corpus.offsets[1200] - corpus.offsets[1000] - 1;
    assert_eq!(evaluation.tokens.total() as usize, tokens);
    for role in Role::ALL {
        assert!(evaluation.tokens.get(role) > 0, "{role:?}");
        // The oracle is the entropy floor: an untrained-ish model is far above it.
        assert!(evaluation.excess_bits_per_token(role) > 0.0, "{role:?}");
        assert!(evaluation.model_bits_per_token(role).is_finite());
    }
    // The mean over roles agrees with the trainer's held-out loss on the same stream.
    let (_, heldout) = split(&corpus);
    let nats = trainer.heldout_loss(heldout).expect("loss");
    let bits = evaluation.total_model_bits_per_token();
    assert!(
        (bits * std::f64::consts::LN_2 - nats).abs() < 1e-9,
        "{bits} {nats}"
    );
    assert!(matches!(
        evaluate_roles(model, &corpus, 1200..1200, 16),
        Err(TrainerError::SentenceRange { .. })
    ));
}

/// Prequential coding: the bits are the losses before each update, summed; the pass covers
/// the stream in order, so a second trainer that codes only the first steps agrees with the
/// first on them.
#[test]
fn prequential_code_length_sums_the_losses_before_each_update() {
    let corpus = corpus();
    let (train, _) = split(&corpus);
    let config = TrainConfig {
        eval_every: 0,
        ..train_config(1_000_000)
    };
    let mut trainer = Trainer::new(&model(&corpus), &config, &default_device()).expect("trainer");
    let mut losses = Vec::new();
    let options = skm_trainer::RunOptions::default();
    let report = skm_trainer::prequential(&mut trainer, train, &options, |_, step| {
        losses.push(f64::from(step.loss));
        Ok(())
    })
    .expect("one pass");
    let pass = skm_trainer::Prequential::of(&report.state, 8 * 16);
    let windows = (train.len() - 1) / 16;
    assert_eq!(pass.steps, windows / 8);
    assert_eq!(pass.tokens, (pass.steps * 8 * 16) as u64);
    let bits = losses.iter().sum::<f64>() * 128.0 / std::f64::consts::LN_2;
    assert!(
        (pass.bits - bits).abs() < 1e-9 * bits,
        "{} vs {bits}",
        pass.bits
    );
    // Learning happens during the pass: the code gets cheaper than the first batches'.
    let early = losses[..3].iter().sum::<f64>() / 3.0;
    assert!(pass.bits_per_token() < early / std::f64::consts::LN_2);

    let short = TrainConfig { steps: 3, ..config };
    let mut trainer = Trainer::new(&model(&corpus), &short, &default_device()).expect("trainer");
    let first =
        skm_trainer::prequential(&mut trainer, train, &options, |_, _| Ok(())).expect("pass");
    let first = skm_trainer::Prequential::of(&first.state, 8 * 16);
    assert_eq!(first.steps, 3);
    let expected = losses[..3].iter().sum::<f64>() * 128.0 / std::f64::consts::LN_2;
    assert!((first.bits - expected).abs() < 1e-9 * expected);
}

/// A prequential pass interrupted after a few steps resumes from its `last` checkpoint to the
/// weights and code of a pass never interrupted, bit for bit.
#[test]
fn an_interrupted_prequential_pass_resumes_to_the_same_code() {
    let corpus = corpus();
    let (train, _) = split(&corpus);
    let config = TrainConfig {
        eval_every: 0,
        checkpoint_every: 2,
        ..train_config(9)
    };
    let device = default_device();
    let weights = |t: &Trainer| {
        t.model()
            .expect("weights")
            .params()
            .iter()
            .map(|w| w.to_bits())
            .collect::<Vec<_>>()
    };
    let mut whole = Trainer::new(&model(&corpus), &config, &device).expect("trainer");
    let options = skm_trainer::RunOptions::default();
    let done = skm_trainer::prequential(&mut whole, train, &options, |_, _| Ok(())).expect("pass");
    assert_eq!(done.stop, skm_trainer::StopReason::Budget);

    let dir = tempfile::tempdir().expect("tempdir");
    let options = skm_trainer::RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: Some(5),
    };
    let mut killed = Trainer::new(&model(&corpus), &config, &device).expect("trainer");
    let stopped = skm_trainer::prequential(&mut killed, train, &options, |_, _| Ok(())).expect("5");
    assert_eq!(
        (stopped.stop, stopped.state.step),
        (skm_trainer::StopReason::Interrupted, 5)
    );
    drop(killed);
    let last = skm_trainer::checkpoint::path_in(dir.path(), "last");
    let mut resumed = Trainer::resume(&last, &device).expect("resume");
    assert_eq!(
        resumed.state().step,
        5,
        "the interrupted pass wrote `last` as it stopped"
    );
    let options = skm_trainer::RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: None,
    };
    let finished =
        skm_trainer::prequential(&mut resumed, train, &options, |_, _| Ok(())).expect("rest");
    assert_eq!(finished.state, done.state);
    assert_eq!(weights(&resumed), weights(&whole));
    assert_eq!(
        skm_trainer::Prequential::of(&finished.state, 128),
        skm_trainer::Prequential::of(&done.state, 128)
    );
}

/// Probes of an untrained model see a near-uniform distribution: the mass on an attribute's
/// values is close to `|V_j| / V` and the entropy close to `log2 V`; after training on the
/// stream the mass moves onto the right attribute's values (syntax first).
#[test]
fn probes_read_the_value_slot() {
    let corpus = corpus();
    let (train, heldout) = split(&corpus);
    let probes = skm_trainer::probe::stratified(
        &corpus,
        0..1000,
        skm_trainer::probe::Strata::Exposures,
        4,
        1,
    )
    .expect("probes");
    let world = &corpus.world;
    let v = world.vocabulary.size() as f64;
    let uniform_mass = world.config.values_per_attribute as f64 / v;
    let mut trainer =
        Trainer::new(&model(&corpus), &train_config(300), &default_device()).expect("trainer");
    let before =
        skm_trainer::probe::evaluate(trainer.model().expect("weights"), world, &probes, 16)
            .expect("probes before");
    assert_eq!(before.len(), probes.len());
    for r in &before {
        assert!((r.valid_mass / uniform_mass - 1.0).abs() < 0.2, "{r:?}");
        assert!((r.entropy_bits - v.log2()).abs() < 0.05, "{r:?}");
    }
    run(
        &mut trainer,
        train,
        heldout,
        &RunOptions::default(),
        |_, _| Ok(()),
    )
    .expect("run");
    let after = skm_trainer::probe::evaluate(trainer.model().expect("weights"), world, &probes, 16)
        .expect("probes after");
    let mean_mass = after.iter().map(|r| r.valid_mass).sum::<f64>() / after.len() as f64;
    assert!(
        mean_mass > 0.5,
        "mass on valid values after training: {mean_mass}"
    );
}
