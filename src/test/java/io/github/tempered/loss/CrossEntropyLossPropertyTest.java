package io.github.tempered.loss;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.tempered.internal.OwnedArrays;
import java.util.Arrays;
import java.util.Random;
import org.testng.annotations.Test;

/**
 * Properties of {@link CrossEntropyLoss} over seeded random shapes, class axes, data types and
 * options, {@value #CASES} cases per property: the gradient of each position sums to 0 over the
 * classes for class-index targets without weights (and for probability targets that sum to 1); the
 * loss with temperature {@code T} equals the loss of {@code logits / T}, value and gradient; SUM
 * and MEAN are the sum and the mean of NONE. A failure names the case's seed and options.
 */
public class CrossEntropyLossPropertyTest {

    private static final int CASES = 300;

    /** One random case: logits, targets and a loss. */
    private record Case(
            String description, NDArray logits, NDArray target, CrossEntropyLoss.Builder loss) {}

    /**
     * Draws a case: rank 1 to 4, 1 to 6 classes on a random axis, float32 or float64, a temperature
     * in [0.2, 5], label smoothing in half the cases, an ignore index in a third (never ignoring
     * every position), class-index or (optionally) probability targets.
     */
    private static Case draw(NDManager m, long seed, boolean allowProbabilities) {
        Random random = new Random(seed);
        int rank = 1 + random.nextInt(4);
        long[] dims = new long[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = 1 + random.nextInt(4);
        }
        int axis = random.nextInt(rank);
        dims[axis] = 1 + random.nextInt(6);
        int classes = (int) dims[axis];
        Shape shape = new Shape(dims);
        DataType type = random.nextBoolean() ? DataType.FLOAT32 : DataType.FLOAT64;
        double scale = random.nextInt(5) == 0 ? 30 : 2;
        double[] x = new double[(int) shape.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = scale * random.nextGaussian();
        }
        NDArray logits = m.create(x, shape).toType(type, false);
        float temperature = (float) (0.2 + 4.8 * random.nextDouble());
        float smoothing = random.nextBoolean() ? (float) random.nextDouble() * 0.5f : 0f;
        boolean ignore = random.nextInt(3) == 0;
        int axisOption = random.nextBoolean() ? axis : axis - rank;
        CrossEntropyLoss.Builder loss =
                CrossEntropyLoss.builder()
                        .optTemperature(temperature)
                        .optLabelSmoothing(smoothing)
                        .optClassAxis(axisOption);
        boolean probabilities = allowProbabilities && !ignore && random.nextBoolean();
        NDArray target;
        if (probabilities) {
            double[] q = new double[x.length];
            for (int i = 0; i < q.length; i++) {
                q[i] = random.nextDouble();
            }
            target = m.create(q, shape).toType(type, false);
            target = target.div(target.sum(new int[] {axis}, true)); // rows sum to 1
        } else {
            Shape positions = shape.slice(0, axis).addAll(shape.slice(axis + 1));
            long[] y = new long[(int) positions.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = ignore && i > 0 && random.nextInt(3) == 0 ? -100 : random.nextInt(classes);
            }
            target = m.create(y, positions);
            if (ignore) {
                loss.optIgnoreIndex(-100);
            }
        }
        String description =
                String.format(
                        "case %d: %s logits %s, class axis %d, T %.4g, smoothing %.3g, %s%s",
                        seed,
                        type,
                        shape,
                        axisOption,
                        temperature,
                        smoothing,
                        probabilities ? "probability targets" : "class indices",
                        ignore ? ", ignore index -100" : "");
        return new Case(description, logits, target, loss);
    }

    private static double[] gradient(CrossEntropyLoss loss, NDArray logits, NDArray target) {
        NDArray x = logits.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss.evaluate(new NDList(target), new NDList(x)));
        }
        return doubles(x.getGradient());
    }

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Test
    public void gradientSumsToZeroOverTheClassesWithoutWeights() {
        for (long seed = 0; seed < CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Case c = draw(m, seed, true);
                for (Reduction reduction : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                    CrossEntropyLoss loss = c.loss().optReduction(reduction).build();
                    NDArray g =
                            m.create(gradient(loss, c.logits(), c.target()), c.logits().getShape());
                    int axis =
                            Math.floorMod(loss.getClassAxis(), c.logits().getShape().dimension());
                    double[] sums = doubles(g.sum(new int[] {axis}));
                    double[] magnitudes = doubles(g.abs().sum(new int[] {axis}));
                    // Each entry is (p - q) * scale / T, rounded in the compute type: their sum
                    // is 0 up to a few roundings of numbers of size scale / T per class.
                    long positions = sums.length;
                    if (reduction == Reduction.MEAN && c.target().getDataType() == DataType.INT64) {
                        positions =
                                Arrays.stream(c.target().toLongArray())
                                        .filter(y -> y != -100)
                                        .count();
                    }
                    double unit =
                            (reduction == Reduction.MEAN ? 1.0 / positions : 1.0)
                                    / loss.getTemperature();
                    int classes = (int) c.logits().getShape().get(axis);
                    double eps =
                            8
                                    * (classes + 1)
                                    * unit
                                    * (c.logits().getDataType() == DataType.FLOAT64
                                            ? 0x1p-53
                                            : 0x1p-24);
                    for (int i = 0; i < sums.length; i++) {
                        if (!(Math.abs(sums[i]) <= eps)) {
                            fail(
                                    c.description()
                                            + ", "
                                            + reduction
                                            + ": gradient of position "
                                            + i
                                            + " sums to "
                                            + sums[i]
                                            + " over the classes (|g| sums to "
                                            + magnitudes[i]
                                            + ", tolerance "
                                            + eps
                                            + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    public void lossWithTemperatureEqualsLossOfScaledLogits() {
        for (long seed = 1000; seed < 1000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Case c = draw(m, seed, true);
                CrossEntropyLoss withT = c.loss().optReduction(Reduction.NONE).build();
                CrossEntropyLoss plain = c.loss().optTemperature(1f).build();
                float t = withT.getTemperature();
                DataType type = c.logits().getDataType();
                NDArray scaled = c.logits().div(OwnedArrays.scalar(m, t, type));
                double[] a =
                        doubles(withT.evaluate(new NDList(c.target()), new NDList(c.logits())));
                double[] b = doubles(plain.evaluate(new NDList(c.target()), new NDList(scaled)));
                assertClose(c.description() + ": value", a, b, 1e-6);
                // d/dx L(x / T) = (1 / T) L'(x / T).
                double[] ga = gradient(withT, c.logits(), c.target());
                double[] gb = gradient(plain, scaled, c.target());
                for (int i = 0; i < gb.length; i++) {
                    gb[i] /= t;
                }
                assertClose(c.description() + ": gradient", ga, gb, 1e-5);
            }
        }
    }

    @Test
    public void sumAndMeanReduceNone() {
        for (long seed = 2000; seed < 2000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Case c = draw(m, seed, false);
                double[] none =
                        doubles(
                                c.loss()
                                        .optReduction(Reduction.NONE)
                                        .build()
                                        .evaluate(new NDList(c.target()), new NDList(c.logits())));
                double sum =
                        doubles(
                                c.loss()
                                        .optReduction(Reduction.SUM)
                                        .build()
                                        .evaluate(new NDList(c.target()), new NDList(c.logits())))[
                                0];
                double mean =
                        doubles(
                                c.loss()
                                        .optReduction(Reduction.MEAN)
                                        .build()
                                        .evaluate(new NDList(c.target()), new NDList(c.logits())))[
                                0];
                long kept = Arrays.stream(c.target().toLongArray()).filter(y -> y != -100).count();
                double expectedSum = Arrays.stream(none).sum();
                assertClose(
                        c.description() + ": SUM",
                        new double[] {sum},
                        new double[] {expectedSum},
                        1e-5);
                assertClose(
                        c.description() + ": MEAN",
                        new double[] {mean},
                        new double[] {expectedSum / kept},
                        1e-5);
                assertTrue(kept > 0, c.description());
                for (int i = 0; i < none.length; i++) {
                    assertTrue(none[i] > -1e-6, c.description() + ": loss " + i + " = " + none[i]);
                }
            }
        }
    }

    private static void assertClose(String what, double[] actual, double[] expected, double rtol) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= rtol * Math.max(scale, 1e-3))) {
                fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
