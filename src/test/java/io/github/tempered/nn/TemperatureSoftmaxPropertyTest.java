package io.github.tempered.nn;

import static org.testng.Assert.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import io.github.tempered.internal.OwnedArrays;
import java.util.Random;
import org.testng.annotations.Test;

/**
 * Properties of {@link TemperatureSoftmax} and {@link TemperatureScaledBlock} over seeded random
 * shapes, axes, temperatures and data types, {@value #CASES} cases each: softmax slices sum to 1
 * (and log-softmax slices exponentiate to 1); temperature scaling never changes the arg-max; the
 * block with temperature {@code T} equals the block with {@code T = 1} applied to {@code x / T}. A
 * failure names the case's seed and options.
 */
public class TemperatureSoftmaxPropertyTest {

    private static final int CASES = 300;

    /** A random input: rank 1 to 4, sizes 1 to 5, a random axis, float32 or float64. */
    private record Input(String description, NDArray x, int axis, float temperature) {}

    private static Input draw(NDManager m, long seed) {
        Random random = new Random(seed);
        int rank = 1 + random.nextInt(4);
        long[] dims = new long[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = 1 + random.nextInt(5);
        }
        Shape shape = new Shape(dims);
        DataType type = random.nextBoolean() ? DataType.FLOAT32 : DataType.FLOAT64;
        double scale = random.nextInt(4) == 0 ? 1e3 : 3;
        double[] v = new double[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * random.nextGaussian();
        }
        int axis = random.nextInt(2 * rank) - rank;
        float temperature = (float) Math.exp(4 * random.nextDouble() - 2); // 0.14 to 7.4
        String description =
                String.format(
                        "case %d: %s x %s, axis %d, T %.4g", seed, type, shape, axis, temperature);
        return new Input(description, m.create(v, shape).toType(type, false), axis, temperature);
    }

    private static NDArray forward(TemperatureSoftmax block, NDManager m, NDArray x) {
        return block.forward(new ParameterStore(m, false), new NDList(x), false).head();
    }

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double eps(NDArray x) {
        return x.getDataType() == DataType.FLOAT64 ? 1e-13 : 1e-5;
    }

    @Test
    public void softmaxSlicesSumToOne() {
        for (long seed = 0; seed < CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Input in = draw(m, seed);
                boolean learnable = seed % 2 == 0;
                for (boolean log : new boolean[] {false, true}) {
                    TemperatureSoftmax block =
                            TemperatureSoftmax.builder()
                                    .optTemperature(in.temperature())
                                    .optAxis(in.axis())
                                    .optLog(log)
                                    .optLearnable(learnable)
                                    .build();
                    if (learnable) {
                        block.initialize(m, DataType.FLOAT32, in.x().getShape());
                    }
                    NDArray out = forward(block, m, in.x());
                    NDArray p = log ? out.exp() : out;
                    double[] sums = doubles(p.sum(new int[] {in.axis()}));
                    for (int i = 0; i < sums.length; i++) {
                        if (!(Math.abs(sums[i] - 1) <= eps(in.x()))) {
                            fail(
                                    in.description()
                                            + (log ? ", log-softmax" : ", softmax")
                                            + (learnable ? ", learnable" : "")
                                            + ": slice "
                                            + i
                                            + " sums to "
                                            + sums[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    public void temperatureScalingNeverChangesTheArgmax() {
        for (long seed = 1000; seed < 1000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Input in = draw(m, seed);
                for (boolean probabilities : new boolean[] {false, true}) {
                    TemperatureScaledBlock block =
                            TemperatureScaledBlock.builder()
                                    .setBlock(new LambdaBlock(x -> x))
                                    .setTemperature(in.temperature())
                                    .optProbabilities(probabilities)
                                    .optClassAxis(in.axis())
                                    .build();
                    block.initialize(m, DataType.FLOAT32, in.x().getShape());
                    NDArray out =
                            block.forward(new ParameterStore(m, false), new NDList(in.x()), false)
                                    .head();
                    // The output at the input's arg-max is the output's maximum (ties allowed:
                    // rounding may make two outputs equal, never reverse their order).
                    NDArray argmax = in.x().argMax(in.axis()).expandDims(in.axis());
                    double[] atArgmax = doubles(out.gather(argmax, in.axis()));
                    double[] max = doubles(out.max(new int[] {in.axis()}));
                    for (int i = 0; i < max.length; i++) {
                        if (atArgmax[i] != max[i]) {
                            fail(
                                    in.description()
                                            + (probabilities ? ", probabilities" : ", logits")
                                            + ": slice "
                                            + i
                                            + " has "
                                            + atArgmax[i]
                                            + " at the input's arg-max, maximum "
                                            + max[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    public void temperatureEqualsScalingTheInput() {
        for (long seed = 2000; seed < 2000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Input in = draw(m, seed);
                boolean log = seed % 2 == 0;
                TemperatureSoftmax withT =
                        TemperatureSoftmax.builder()
                                .optTemperature(in.temperature())
                                .optAxis(in.axis())
                                .optLog(log)
                                .build();
                TemperatureSoftmax plain =
                        TemperatureSoftmax.builder().optAxis(in.axis()).optLog(log).build();
                NDArray scaled =
                        in.x().div(OwnedArrays.scalar(m, in.temperature(), in.x().getDataType()));
                double[] a = doubles(forward(withT, m, in.x()));
                double[] b = doubles(forward(plain, m, scaled));
                for (int i = 0; i < a.length; i++) {
                    double tolerance = eps(in.x()) * Math.max(1, Math.abs(b[i]));
                    if (!(Math.abs(a[i] - b[i]) <= tolerance)) {
                        fail(
                                in.description()
                                        + (log ? ", log" : "")
                                        + ": element "
                                        + i
                                        + " = "
                                        + a[i]
                                        + ", expected "
                                        + b[i]);
                    }
                }
            }
        }
    }
}
