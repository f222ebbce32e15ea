package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.EpochTrainingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.testng.annotations.Test;

/**
 * The calibration evaluators inside DJL training, their accumulators against {@link
 * CalibrationReport}, thread safety and array hygiene.
 */
public class CalibrationEvaluatorTest {

    private static final int FEATURES = 8;
    private static final int CLASSES = 4;

    /** Gaussian clusters with float32 labels, as DJL datasets have them. */
    private static NDList clusters(NDManager manager, int n, long seed) {
        Random random = new Random(seed);
        Random centres = new Random(42);
        float[][] means = new float[CLASSES][FEATURES];
        for (float[] mean : means) {
            for (int f = 0; f < FEATURES; f++) {
                mean[f] = (float) centres.nextGaussian();
            }
        }
        float[] x = new float[n * FEATURES];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(CLASSES);
            y[i] = label;
            for (int f = 0; f < FEATURES; f++) {
                x[i * FEATURES + f] = means[label][f] + 1.2f * (float) random.nextGaussian();
            }
        }
        return new NDList(manager.create(x, new Shape(n, FEATURES)), manager.create(y));
    }

    private static ArrayDataset dataset(NDList data) {
        return new ArrayDataset.Builder()
                .setData(data.get(0))
                .optLabels(data.get(1))
                .setSampling(32, false)
                .build();
    }

    @Test
    public void accumulatorsMatchTheReportAfterEasyTrainFit()
            throws IOException, TranslateException {
        ExpectedCalibrationError ece = new ExpectedCalibrationError();
        NegativeLogLikelihood nll = new NegativeLogLikelihood();
        BrierScore brier = new BrierScore();
        try (Model model = Model.newInstance("calibration-mlp")) {
            model.setBlock(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(16).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(CLASSES).build()));
            NDManager manager = model.getNDManager();
            ArrayDataset train = dataset(clusters(manager, 256, 1));
            NDList validationData = clusters(manager, 128, 2);
            ArrayDataset validation = dataset(validationData);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
                            .addEvaluator(ece)
                            .addEvaluator(nll)
                            .addEvaluator(brier)
                            .optOptimizer(
                                    Optimizer.sgd()
                                            .setLearningRateTracker(Tracker.fixed(0.1f))
                                            .build())
                            .addTrainingListeners(
                                    new EpochTrainingListener(), new EvaluatorTrainingListener());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(32, FEATURES));
                EasyTrain.fit(trainer, 2, train, validation);

                // The final model's logits on the validation set, batch by batch as DJL did.
                List<NDArray> batches = new ArrayList<>();
                for (Batch batch : trainer.iterateDataset(validation)) {
                    NDArray logits = trainer.evaluate(batch.getData()).singletonOrThrow();
                    batches.add(manager.create(logits.toFloatArray(), logits.getShape()));
                    batch.close();
                }
                NDArray logits = NDArrays.concat(new NDList(batches));
                NDArray labels = validationData.get(1).toType(DataType.INT64, false);
                CalibrationReport report = CalibrationReport.ofLogits(logits, labels, 15);
                double[] expected = {report.ece(), report.nll(), report.brier()};

                // 1. The last epoch's validation values, seen by EvaluatorTrainingListener with
                // the final parameters (the epoch ends after validation).
                TrainingResult result = trainer.getTrainingResult();
                assertEquals(result.getEpoch(), 2);
                double[] lastEpoch = {
                    result.getValidateEvaluation("ECE"),
                    result.getValidateEvaluation("NLL"),
                    result.getValidateEvaluation("Brier")
                };
                assertClose(
                        "fit, last validation", "ece/nll/brier", lastEpoch, expected, 1e-5, 1e-7);

                // 2. onEpoch reset the accumulators; evaluating the set again fills the
                // validation key with exactly that set.
                for (CalibrationEvaluator e : new CalibrationEvaluator[] {ece, nll, brier}) {
                    assertEquals(
                            e.getAccumulatedCount(EvaluatorTrainingListener.VALIDATE_EPOCH), 0L);
                    assertTrue(
                            Float.isNaN(
                                    e.getAccumulator(EvaluatorTrainingListener.VALIDATE_EPOCH)));
                }
                int arraysBefore = manager.getManagedArrays().size();
                EasyTrain.evaluateDataset(trainer, validation);
                assertEquals(
                        manager.getManagedArrays().size(),
                        arraysBefore,
                        "arrays left on the model's manager by a validation pass");
                String key = EvaluatorTrainingListener.VALIDATE_EPOCH;
                double[] accumulated = {
                    ece.getAccumulator(key), nll.getAccumulator(key), brier.getAccumulator(key)
                };
                assertClose("evaluateDataset", "ece/nll/brier", accumulated, expected, 1e-5, 1e-7);
                assertEquals(ece.getAccumulatedCount(key), 128L);
                // The model learned something, so the numbers are not degenerate.
                assertTrue(report.accuracy() > 0.5, "accuracy " + report.accuracy());
                assertTrue(report.ece() > 0 && report.nll() > 0 && report.brier() > 0);
            }
        }
    }

    @Test
    public void accumulatedValuesEqualTheReportOfAllBatches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            ExpectedCalibrationError ece =
                    ExpectedCalibrationError.builder().optNumBins(10).build();
            NegativeLogLikelihood nll = new NegativeLogLikelihood();
            BrierScore brier = new BrierScore();
            CalibrationEvaluator[] evaluators = {ece, nll, brier};
            for (CalibrationEvaluator e : evaluators) {
                e.addAccumulator("a");
                e.addAccumulator("b");
            }
            List<NDArray> all = new ArrayList<>();
            List<NDArray> allLabels = new ArrayList<>();
            for (int batch = 0; batch < 5; batch++) {
                NDArray logits = manager.randomNormal(new Shape(37, 6)).mul(2.5f);
                NDArray labels =
                        manager.randomInteger(0, 6, new Shape(37), DataType.INT64)
                                .toType(DataType.FLOAT32, false);
                all.add(logits);
                allLabels.add(labels);
                for (CalibrationEvaluator e : evaluators) {
                    e.updateAccumulators(
                            new String[] {"a", "b"}, new NDList(labels), new NDList(logits));
                    // evaluate() gives the batch's own metric.
                    CalibrationReport one =
                            CalibrationReport.ofLogits(
                                    logits, labels.toType(DataType.INT64, false), 10);
                    float value = e.evaluate(new NDList(labels), new NDList(logits)).getFloat();
                    assertEquals(value, (float) metricOf(e, one), 1e-6f, e.getName() + " batch");
                }
            }
            CalibrationReport report =
                    CalibrationReport.ofLogits(
                            NDArrays.concat(new NDList(all)),
                            NDArrays.concat(new NDList(allLabels)).toType(DataType.INT64, false),
                            10);
            for (CalibrationEvaluator e : evaluators) {
                for (String key : new String[] {"a", "b"}) {
                    assertEquals(e.getAccumulatedCount(key), 185L);
                    assertClose(
                            e.getName() + " key " + key,
                            "accumulated",
                            new double[] {e.getAccumulator(key)},
                            new double[] {metricOf(e, report)},
                            1e-6,
                            1e-8);
                }
                e.resetAccumulator("a");
                assertTrue(Float.isNaN(e.getAccumulator("a")), e.getName() + " after reset");
                assertEquals(e.getAccumulatedCount("b"), 185L, "other keys keep their state");
            }
        }
    }

    private static double metricOf(CalibrationEvaluator e, CalibrationReport report) {
        if (e instanceof ExpectedCalibrationError) {
            return report.ece();
        }
        if (e instanceof NegativeLogLikelihood) {
            return report.nll();
        }
        return report.brier();
    }

    @Test
    public void concurrentUpdatesLoseNothing() throws Exception {
        ExpectedCalibrationError ece =
                ExpectedCalibrationError.builder().optFromLogits(false).build();
        ece.addAccumulator("k");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray probs =
                    manager.create(
                            new float[] {0.9f, 0.1f, 0.3f, 0.7f, 0.6f, 0.4f, 0.2f, 0.8f},
                            new Shape(4, 2));
            NDArray labels = manager.create(new int[] {0, 0, 0, 1});
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(
                            pool.submit(
                                    () -> {
                                        for (int i = 0; i < 50; i++) {
                                            ece.updateAccumulator(
                                                    "k", new NDList(labels), new NDList(probs));
                                        }
                                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(ece.getAccumulatedCount("k"), 4L * 50 * 4);
            double expected = CalibrationReport.of(probs, labels, 15).ece();
            assertEquals(ece.getAccumulator("k"), (float) expected, 1e-6f);
        }
    }

    @Test
    public void manyUpdatesLeaveNoArraysBehind() {
        ExpectedCalibrationError fromProbabilities =
                ExpectedCalibrationError.builder().optFromLogits(false).build();
        NegativeLogLikelihood fromLogits = new NegativeLogLikelihood();
        fromProbabilities.addAccumulator("k");
        fromLogits.addAccumulator("k");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList probs =
                    new NDList(
                            manager.create(new float[] {0.9f, 0.1f, 0.3f, 0.7f}, new Shape(2, 2)));
            NDList logits = new NDList(manager.randomNormal(new Shape(2, 2)));
            NDList labels = new NDList(manager.create(new float[] {0, 1}));
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 10_000; i++) {
                fromProbabilities.updateAccumulators(new String[] {"k"}, labels, probs);
            }
            for (int i = 0; i < 1_000; i++) {
                fromLogits.updateAccumulators(new String[] {"k"}, labels, logits);
            }
            assertEquals(manager.getManagedArrays().size(), before, "arrays left behind");
            assertEquals(fromProbabilities.getAccumulatedCount("k"), 20_000L);
        }
    }

    @Test
    public void badInputIsRejected() {
        ExpectedCalibrationError ece = new ExpectedCalibrationError();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList logits = new NDList(manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            String[][] cases = {
                {
                    "fractional label",
                    "labels: floating-point class indices must be whole numbers,"
                            + " got 0.5 at position 1"
                },
                {"label out of range", "labels: class index 2 at position 0 is outside [0, 2)"},
                {
                    "wrong length",
                    "labels: must have shape (2) to match predictions (logits) of"
                            + " shape (2, 2), got (3)"
                },
                {"unknown key", "key: no accumulator named 'nope' was added to ECE"},
                {"empty list", "predictions: the NDList is empty or null"},
            };
            Runnable[] calls = {
                () -> ece.evaluate(new NDList(manager.create(new float[] {0, 0.5f})), logits),
                () -> ece.evaluate(new NDList(manager.create(new float[] {2, 0})), logits),
                () -> ece.evaluate(new NDList(manager.create(new float[] {0, 1, 1})), logits),
                () ->
                        ece.updateAccumulator(
                                "nope", new NDList(manager.create(new float[] {0, 1})), logits),
                () -> ece.evaluate(new NDList(manager.create(new float[] {0, 1})), new NDList()),
            };
            for (int i = 0; i < calls.length; i++) {
                IllegalArgumentException e =
                        expectThrows(IllegalArgumentException.class, calls[i]::run);
                assertTrue(
                        e.getMessage().contains(cases[i][1]),
                        cases[i][0]
                                + ": expected ["
                                + cases[i][1]
                                + "], got ["
                                + e.getMessage()
                                + "]");
            }
            expectThrows(IllegalArgumentException.class, () -> ece.getAccumulator("nope"));
        }
    }
}
