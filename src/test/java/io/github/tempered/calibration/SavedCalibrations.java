package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The round trip every parametric calibration must survive: fit on a classifier's outputs, wrap the
 * classifier, check the wrapped output against {@code apply}, {@code Model.save}, load into the
 * same structure around a fresh classifier, and get the same output.
 */
final class SavedCalibrations {

    static final Shape INPUT = new Shape(32, 4);

    private SavedCalibrations() {}

    /** A small MLP classifier with {@code outputs} logits per row. */
    static Block classifier(int outputs) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(outputs).build());
    }

    static NDArray forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
    }

    /**
     * Runs the round trip.
     *
     * @param name the case, for messages
     * @param outputs the classifier's outputs per row (1 for binary)
     * @param fitter fits the calibration to float64 logits and labels drawn from them
     * @param wrap wraps the classifier with the fit
     * @param placeholder builds the structure {@code Model.load} fills, around a fresh classifier
     * @param <C> the calibration's type
     */
    static <C extends Calibration> void roundTrip(
            String name,
            int outputs,
            Function<NDList, C> fitter,
            BiFunction<C, Block, Block> wrap,
            Function<Block, Block> placeholder)
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("tempered-calibration");
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray x = manager.randomNormal(INPUT);
            double[] saved;
            try (Model model = Model.newInstance(name)) {
                Block classifier = classifier(outputs);
                classifier.initialize(model.getNDManager(), DataType.FLOAT32, INPUT);
                NDArray logits = forward(classifier, manager, x).toType(DataType.FLOAT64, false);
                NDArray labels =
                        outputs == 1
                                ? logits.add(
                                                manager.randomNormal(
                                                        logits.getShape(), DataType.FLOAT64))
                                        .gt(0)
                                        .toType(DataType.INT64, false)
                                        .reshape(-1)
                                : logits.add(
                                                manager.randomNormal(
                                                        logits.getShape(), DataType.FLOAT64))
                                        .argMax(1);
                C fit = fitter.apply(new NDList(logits, labels));
                Block wrapped = wrap.apply(fit, classifier);
                wrapped.initialize(model.getNDManager(), DataType.FLOAT32, INPUT);
                model.setBlock(wrapped);
                NDArray out = forward(wrapped, manager, x).toType(DataType.FLOAT64, false);
                NDArray expected = fit.apply(logits.toType(DataType.FLOAT32, false));
                assertClose(
                        name,
                        "wrapped output vs apply",
                        out.reshape(-1).toDoubleArray(),
                        expected.toType(DataType.FLOAT64, false).reshape(-1).toDoubleArray(),
                        1e-5,
                        1e-6);
                saved = out.toDoubleArray();
                model.save(dir, name);
            }
            try (Model loaded = Model.newInstance(name)) {
                Block fresh = placeholder.apply(classifier(outputs));
                loaded.setBlock(fresh);
                loaded.load(dir, name);
                assertTrue(fresh.isInitialized(), name + ": initialized by load");
                double[] again =
                        forward(fresh, manager, x).toType(DataType.FLOAT64, false).toDoubleArray();
                assertClose(name, "output after load", again, saved, 0, 0);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
