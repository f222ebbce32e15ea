package io.github.tempered;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import io.github.tempered.loss.LinearCrossEntropyLoss;
import io.github.tempered.nn.TemperatureScaledBlock;
import io.github.tempered.nn.TemperatureSoftmax;
import java.util.Random;
import java.util.function.Function;
import org.testng.SkipException;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The losses, blocks and calibration entry points on a GPU: every result (value and gradients)
 * lives on the input's device and equals the CPU result. Inputs come both from a GPU manager and as
 * GPU arrays attached to a CPU manager (whose own device differs from the arrays'), so the arrays
 * Tempered creates from Java data must follow the input's device, not the manager's.
 *
 * <p>Runs only when the engine reports a GPU (a CUDA build of the PyTorch native on the test
 * classpath); otherwise every test of the group is reported as skipped, never as passed.
 */
@Test(groups = "gpu")
public class DeviceTest {

    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-6;

    private NDManager cpu;
    private NDManager gpu;
    private Device device;

    @BeforeClass(groups = "gpu")
    public void requireGpu() {
        int gpus = Engine.getInstance().getGpuCount();
        if (gpus == 0) {
            throw new SkipException(
                    "no GPU: the engine ("
                            + Engine.getInstance().getEngineName()
                            + ") reports 0 GPUs, so the device tests are skipped");
        }
        device = Device.gpu();
        cpu = NDManager.newBaseManager(Device.cpu());
        gpu = NDManager.newBaseManager(device);
    }

    @AfterClass(groups = "gpu", alwaysRun = true)
    public void close() {
        if (gpu != null) {
            gpu.close();
            cpu.close();
        }
    }

    /** Where the GPU inputs come from. */
    enum Placement {
        /** Created by a manager whose device is the GPU. */
        GPU_MANAGER,
        /** Moved to the GPU but attached to a CPU manager. */
        CPU_MANAGER
    }

    @DataProvider(name = "placements")
    public static Object[][] placements() {
        return new Object[][] {{Placement.GPU_MANAGER}, {Placement.CPU_MANAGER}};
    }

    private NDArray onGpu(NDArray cpuArray, Placement placement) {
        NDArray moved = cpuArray.toDevice(device, true);
        moved.attach(placement == Placement.GPU_MANAGER ? gpu : cpu);
        return moved;
    }

    private NDArray logits(int rows, int classes, long seed) {
        Random random = new Random(seed);
        float[] values = new float[rows * classes];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (3 * random.nextGaussian());
        }
        return cpu.create(values, new Shape(rows, classes));
    }

    private NDArray labels(int rows, int classes, long seed) {
        Random random = new Random(seed);
        long[] values = new long[rows];
        for (int i = 0; i < rows; i++) {
            values[i] = random.nextInt(classes);
        }
        return cpu.create(values);
    }

    /**
     * Runs {@code f} on CPU inputs and on their GPU copies with gradients attached to the first
     * {@code differentiable} inputs, and compares values and gradients.
     */
    private void assertSameOnGpu(
            String name,
            Placement placement,
            int differentiable,
            Function<NDList, NDArray> f,
            NDArray... cpuInputs) {
        NDList cpuCopies = new NDList();
        NDList gpuInputs = new NDList();
        for (NDArray in : cpuInputs) {
            // Fresh leaves for each run: gradients must not accumulate across the two.
            cpuCopies.add(in.duplicate());
            gpuInputs.add(onGpu(in.duplicate(), placement));
        }
        double[][] expected = run(f, cpuCopies, differentiable);
        double[][] actual = run(f, gpuInputs, differentiable);
        for (int k = 0; k < expected.length; k++) {
            assertClose(
                    name + " " + placement,
                    k == 0 ? "value" : "gradient " + (k - 1),
                    actual[k],
                    expected[k],
                    RTOL,
                    ATOL);
        }
    }

    private double[][] run(Function<NDList, NDArray> f, NDList inputs, int differentiable) {
        Device inputDevice = inputs.head().getDevice();
        for (int i = 0; i < differentiable; i++) {
            inputs.get(i).setRequiresGradient(true);
        }
        double[][] out = new double[1 + differentiable][];
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray result = f.apply(inputs);
            assertEquals(result.getDevice(), inputDevice, "the result's device");
            out[0] = toDoubles(result);
            if (differentiable > 0) {
                collector.backward(result.sum());
            }
        }
        for (int i = 0; i < differentiable; i++) {
            NDArray gradient = inputs.get(i).getGradient();
            assertEquals(gradient.getDevice(), inputDevice, "the gradient's device");
            out[1 + i] = toDoubles(gradient);
        }
        return out;
    }

    private static double[] toDoubles(NDArray array) {
        return array.toDevice(Device.cpu(), true).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @DataProvider(name = "crossEntropy")
    public static Object[][] crossEntropy() {
        float[] weight = new float[1024];
        for (int k = 0; k < weight.length; k++) {
            weight[k] = 0.5f + (k % 5) / 4f;
        }
        return new Object[][] {
            // (rows, classes): 8 x 5 takes the dense path, 64 x 1000 the graph, 256 x 1024 the
            // surrogate under a gradient collector.
            {"dense plain", 8, 5, CrossEntropyLoss.builder().build()},
            {"graph plain", 64, 1000, CrossEntropyLoss.builder().build()},
            {"surrogate plain", 256, 1024, CrossEntropyLoss.builder().build()},
            {
                "surrogate, all options",
                256,
                1024,
                CrossEntropyLoss.builder()
                        .optWeight(weight)
                        .optIgnoreIndex(3)
                        .optLabelSmoothing(0.1f)
                        .optTemperature(1.7f)
                        .build()
            },
            {
                "dense, all options",
                8,
                5,
                CrossEntropyLoss.builder()
                        .optWeight(new float[] {1, 2, 0.5f, 1, 3})
                        .optIgnoreIndex(3)
                        .optLabelSmoothing(0.1f)
                        .optTemperature(0.7f)
                        .build()
            },
            {
                "none, all options",
                64,
                1000,
                CrossEntropyLoss.builder()
                        .optIgnoreIndex(3)
                        .optLabelSmoothing(0.2f)
                        .optReduction(io.github.tempered.loss.Reduction.NONE)
                        .build()
            },
        };
    }

    @Test(dataProvider = "crossEntropy")
    public void crossEntropyLoss(String name, int rows, int classes, CrossEntropyLoss loss) {
        for (Object[] p : placements()) {
            assertSameOnGpu(
                    name,
                    (Placement) p[0],
                    1,
                    in -> loss.evaluate(new NDList(in.get(1)), new NDList(in.get(0))),
                    logits(rows, classes, 1),
                    labels(rows, classes, 2));
        }
    }

    @Test(dataProvider = "placements")
    public void crossEntropyProbabilityTargets(Placement placement) {
        CrossEntropyLoss loss =
                CrossEntropyLoss.builder()
                        .optWeight(new float[] {1, 2, 0.5f, 1})
                        .optLabelSmoothing(0.1f)
                        .build();
        assertSameOnGpu(
                "probability targets",
                placement,
                1,
                in -> loss.evaluate(new NDList(in.get(1)), new NDList(in.get(0))),
                logits(6, 4, 3),
                logits(6, 4, 4).softmax(1));
    }

    @Test(dataProvider = "placements")
    public void linearCrossEntropyLoss(Placement placement) {
        LinearCrossEntropyLoss loss =
                LinearCrossEntropyLoss.builder()
                        .optChunkSize(5)
                        .optLabelSmoothing(0.1f)
                        .optIgnoreIndex(0)
                        .build();
        assertSameOnGpu(
                "linear cross-entropy",
                placement,
                3,
                in -> loss.compute(in.get(0), in.get(1), in.get(2), in.get(3)),
                logits(12, 8, 5),
                logits(30, 8, 6),
                logits(1, 30, 7).reshape(30),
                labels(12, 30, 8));
    }

    @Test(dataProvider = "placements")
    public void distillationLoss(Placement placement) {
        DistillationLoss loss =
                DistillationLoss.builder()
                        .optTemperature(3f)
                        .optAlpha(0.6f)
                        .optHardLoss(CrossEntropyLoss.builder().optIgnoreIndex(1).build())
                        .build();
        assertSameOnGpu(
                "distillation",
                placement,
                1,
                in -> loss.evaluate(new NDList(in.get(1), in.get(2)), new NDList(in.get(0))),
                logits(10, 6, 9),
                labels(10, 6, 10),
                logits(10, 6, 11));
    }

    @Test(dataProvider = "placements")
    public void temperatureSoftmax(Placement placement) {
        Block fixed = TemperatureSoftmax.builder().optTemperature(2.5f).optLog(true).build();
        assertSameOnGpu(
                "fixed log-softmax",
                placement,
                1,
                in -> fixed.forward(new ParameterStore(), new NDList(in.head()), true).head(),
                logits(4, 7, 12));
        TemperatureSoftmax learnable =
                TemperatureSoftmax.builder().optTemperature(1.5f).optLearnable(true).build();
        learnable.initialize(cpu, DataType.FLOAT32, new Shape(4, 7));
        ParameterStore store = new ParameterStore(gpu, false);
        NDArray x = onGpu(logits(4, 7, 13), placement);
        NDArray out = learnable.forward(store, new NDList(x), false).head();
        assertEquals(out.getDevice(), x.getDevice(), "learnable output device");
        assertClose(
                "learnable softmax " + placement,
                "value",
                toDoubles(out),
                toDoubles(x.toDevice(Device.cpu(), true).div(1.5f).softmax(-1)),
                RTOL,
                ATOL);
    }

    @Test(dataProvider = "placements")
    public void temperatureScaledBlock(Placement placement) {
        TemperatureScaledBlock block =
                TemperatureScaledBlock.builder()
                        .setBlock(new LambdaBlock(in -> in))
                        .setTemperature(2.0)
                        .optProbabilities(true)
                        .build();
        block.initialize(cpu, DataType.FLOAT32, new Shape(5, 3));
        NDArray x = onGpu(logits(5, 3, 14), placement);
        NDArray out = block.forward(new ParameterStore(gpu, false), new NDList(x), false).head();
        assertEquals(out.getDevice(), x.getDevice(), "scaled block output device");
        assertClose(
                "scaled block " + placement,
                "value",
                toDoubles(out),
                toDoubles(x.toDevice(Device.cpu(), true).div(2f).softmax(-1)),
                RTOL,
                ATOL);
    }

    @Test(dataProvider = "placements")
    public void temperatureScalerAndFit(Placement placement) {
        NDArray z = logits(300, 10, 15);
        NDArray y = labels(300, 10, 16);
        TemperatureFit onCpu = new TemperatureScaler().fit(z, y);
        TemperatureFit onGpu =
                new TemperatureScaler().fit(onGpu(z, placement), onGpu(y, placement));
        assertClose(
                "scaler " + placement,
                "T",
                new double[] {onGpu.temperature()},
                new double[] {onCpu.temperature()},
                1e-9,
                0);
        assertSameOnGpu("fit.apply", placement, 1, in -> onCpu.apply(in.head()), z);
    }

    @Test(dataProvider = "placements")
    public void calibrationReport(Placement placement) {
        NDArray z = logits(200, 10, 17);
        NDArray y = labels(200, 10, 18);
        CalibrationReport onCpu = CalibrationReport.ofLogits(z, y, 15);
        CalibrationReport onGpu =
                CalibrationReport.ofLogits(onGpu(z, placement), onGpu(y, placement), 15);
        assertClose(
                "report " + placement,
                "ece, nll, brier",
                new double[] {onGpu.ece(), onGpu.nll(), onGpu.brier()},
                new double[] {onCpu.ece(), onCpu.nll(), onCpu.brier()},
                1e-9,
                1e-12);
    }
}
