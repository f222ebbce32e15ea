package io.github.tempered.nn;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.testng.annotations.Test;

/** {@link AffineScaledBlock}: the three maps and outputs, frozen parameters and bad input. */
public class AffineScaledBlockTest {

    private static final double[] LOGITS = {1, -2, 0.5, 3, 0, -1};

    private static double[] forward(AffineScaledBlock block, NDManager manager, NDArray x) {
        block.initialize(manager, DataType.FLOAT64, x.getShape());
        NDArray out =
                block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
        return out.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static AffineScaledBlock.Builder identity() {
        return AffineScaledBlock.builder().setBlock(LambdaBlock.singleton(a -> a.mul(1)));
    }

    private static double[] softmaxRows(double[] u, int classes) {
        double[] out = new double[u.length];
        for (int r = 0; r < u.length / classes; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, u[r * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(u[r * classes + c] - max);
            }
            for (int c = 0; c < classes; c++) {
                out[r * classes + c] = Math.exp(u[r * classes + c] - max) / sum;
            }
        }
        return out;
    }

    @Test
    public void vectorMapThenSoftmax() {
        double[] w = {0.5, 2, -1};
        double[] b = {0.1, 0, -0.2};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(LOGITS, new Shape(2, 3));
            AffineScaledBlock block = identity().setWeights(w).setBiases(b).build();
            double[] u = new double[6];
            for (int k = 0; k < 6; k++) {
                u[k] = LOGITS[k] * w[k % 3] + b[k % 3];
            }
            assertClose(
                    "vector", "softmax", forward(block, manager, x), softmaxRows(u, 3), 1e-12, 0);
            assertEquals(block.getWeights(), w, "weights read back");
            assertEquals(block.getBiases(), b, "biases read back");
            assertEquals(block.getOutput(), AffineScaledBlock.Output.SOFTMAX);
        }
    }

    @Test
    public void matrixMapOfLogProbabilitiesWithLogitOutput() {
        double[][] w = {{1, 0.5, 0}, {0, 2, 0}, {-1, 0, 1}};
        double[] b = {0, 1, -1};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(LOGITS, new Shape(2, 3));
            AffineScaledBlock block =
                    identity()
                            .setWeights(w)
                            .setBiases(b)
                            .optInput(AffineScaledBlock.Input.LOG_PROBABILITIES)
                            .optOutput(AffineScaledBlock.Output.LOGITS)
                            .build();
            double[] p = softmaxRows(LOGITS, 3);
            double[] u = new double[6];
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 3; c++) {
                    u[r * 3 + c] = b[c];
                    for (int d = 0; d < 3; d++) {
                        u[r * 3 + c] += w[c][d] * Math.log(p[r * 3 + d]);
                    }
                }
            }
            assertClose("matrix", "logits", forward(block, manager, x), u, 1e-12, 1e-12);
            assertEquals(block.getInput(), AffineScaledBlock.Input.LOG_PROBABILITIES);
        }
    }

    @Test
    public void oneWeightMapsEveryScoreThroughTheSigmoidAndKeepsTheShape() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {-1, 0, 2});
            AffineScaledBlock block =
                    identity()
                            .setWeights(new double[] {2})
                            .setBiases(new double[] {-1})
                            .optOutput(AffineScaledBlock.Output.SIGMOID)
                            .build();
            block.initialize(manager, DataType.FLOAT32, x.getShape());
            NDArray out =
                    block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
            assertEquals(out.getShape(), new Shape(3));
            assertEquals(out.getDataType(), DataType.FLOAT32, "float32 in, float32 out");
            float[] values = out.toFloatArray();
            double[] s = {-1, 0, 2};
            for (int i = 0; i < 3; i++) {
                assertEquals(values[i], 1 / (1 + Math.exp(1 - 2 * s[i])), 1e-6, "score " + i);
            }
        }
    }

    @Test
    public void theMapStaysFrozenWhenTheModelIsUnfrozen() {
        try (NDManager manager = NDManager.newBaseManager()) {
            AffineScaledBlock block =
                    identity()
                            .setWeights(new double[] {1, 1})
                            .setBiases(new double[] {0, 0})
                            .build();
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 2));
            block.freezeParameters(false);
            for (Parameter p : block.getParameters().values()) {
                assertFalse(p.requiresGradient(), p.getName() + " stays frozen");
            }
        }
    }

    @Test
    public void badBuildsAndInputsNameTheArgument() {
        String[][] expected = {
            {"block: required"},
            {"biases: set both weights and biases, or neither"},
            {"biases: must hold one value per class of the weights (2), got 3"},
            {"weights: must be finite, got NaN at 1"},
            {"weights: must be a square matrix, got row 1 of length 1 in 2 rows"},
        };
        Runnable[] builds = {
            () -> AffineScaledBlock.builder().build(),
            () -> identity().setWeights(new double[] {1, 2}).build(),
            () -> identity().setWeights(new double[] {1, 2}).setBiases(new double[3]).build(),
            () ->
                    identity()
                            .setWeights(new double[] {1, Double.NaN})
                            .setBiases(new double[2])
                            .build(),
            () -> identity().setWeights(new double[][] {{1, 2}, {3}}),
        };
        for (int i = 0; i < builds.length; i++) {
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, builds[i]::run);
            assertTrue(
                    e.getMessage().startsWith(expected[i][0]),
                    "build "
                            + i
                            + ": '"
                            + e.getMessage()
                            + "' should start with "
                            + expected[i][0]);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            AffineScaledBlock placeholder = identity().build();
            IllegalStateException state =
                    expectThrows(
                            IllegalStateException.class,
                            () ->
                                    placeholder.initialize(
                                            manager, DataType.FLOAT32, new Shape(2, 3)));
            assertTrue(
                    state.getMessage().contains("placeholder for Model.load"), state.getMessage());
            expectThrows(
                    IllegalStateException.class,
                    () ->
                            placeholder.forward(
                                    new ParameterStore(manager, false),
                                    new NDList(manager.zeros(new Shape(2, 3))),
                                    false));
            AffineScaledBlock three =
                    identity().setWeights(new double[] {1, 1, 1}).setBiases(new double[3]).build();
            three.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    three.forward(
                                            new ParameterStore(manager, false),
                                            new NDList(manager.zeros(new Shape(2, 4))),
                                            false));
            assertEquals(
                    e.getMessage(),
                    "logits: the last axis must hold the 3 classes of the calibration map, got"
                            + " shape (2, 4)");
            expectThrows(
                    IllegalArgumentException.class,
                    () -> three.initialize(manager, DataType.INT32, new Shape(2, 3)));
        }
    }
}
