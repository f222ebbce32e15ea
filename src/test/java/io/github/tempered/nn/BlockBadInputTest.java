package io.github.tempered.nn;

import static io.github.tempered.testing.BadInput.iae;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import io.github.tempered.testing.BadInput;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.function.Function;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The bad-input matrix of the {@code nn} package: for {@link TemperatureSoftmax} and {@link
 * TemperatureScaledBlock}, each public entry point (builder, initialize, forward, output shapes,
 * metadata) with every invalid input, the exact exception type and a message fragment.
 */
public class BlockBadInputTest {

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private static NDList softmax(TemperatureSoftmax block, NDManager m, NDArray... inputs) {
        return block.forward(new ParameterStore(m, false), new NDList(inputs), false);
    }

    private static TemperatureSoftmax fixed() {
        return TemperatureSoftmax.builder().optTemperature(2f).build();
    }

    @DataProvider(name = "temperatureSoftmax")
    public static Object[][] temperatureSoftmax() {
        return BadInput.rows(
                iae(
                        "temperature 0",
                        "temperature: must be finite and greater than 0, got 0.0",
                        m -> TemperatureSoftmax.builder().optTemperature(0).build()),
                iae(
                        "temperature NaN",
                        "got NaN",
                        m -> TemperatureSoftmax.builder().optTemperature(Float.NaN).build()),
                iae(
                        "temperature -inf",
                        "got -Infinity",
                        m ->
                                TemperatureSoftmax.builder()
                                        .optTemperature(Float.NEGATIVE_INFINITY)
                                        .build()),
                iae(
                        "initialize with bfloat16",
                        "dataType: TemperatureSoftmax must be"
                                + " initialized with float32, float64 or float16, got bfloat16 (DJL"
                                + " 0.36's PyTorch engine aborts the JVM creating bfloat16 arrays)",
                        m ->
                                TemperatureSoftmax.builder()
                                        .optLearnable(true)
                                        .build()
                                        .initialize(m, DataType.BFLOAT16, new Shape(2, 3))),
                iae(
                        "initialize with int16",
                        "got int16",
                        m ->
                                TemperatureSoftmax.builder()
                                        .optLearnable(true)
                                        .build()
                                        .initialize(m, DataType.INT16, new Shape(2, 3))),
                iae(
                        "initialize with int32",
                        "got int32",
                        m -> fixed().initialize(m, DataType.INT32, new Shape(2, 3))),
                iae(
                        "null inputs",
                        "inputs: TemperatureSoftmax takes exactly one array, got null",
                        m -> fixed().forward(new ParameterStore(m, false), null, false)),
                iae(
                        "two inputs",
                        "got 2 [(2, 3), (2, 3)]",
                        m -> softmax(fixed(), m, m.ones(new Shape(2, 3)), m.ones(new Shape(2, 3)))),
                iae(
                        "integer input",
                        "input: must be floating point, got int32 of shape (2, 3)",
                        m -> softmax(fixed(), m, m.zeros(new Shape(2, 3), DataType.INT32))),
                iae(
                        "complex64 input",
                        "input: must be floating point, got complex64",
                        m ->
                                softmax(
                                        fixed(),
                                        m,
                                        m.ones(new Shape(2, 3)).toType(DataType.COMPLEX64, false))),
                iae(
                        "boolean input",
                        "got boolean",
                        m -> softmax(fixed(), m, m.zeros(new Shape(2), DataType.BOOLEAN))),
                iae(
                        "scalar input",
                        "input: must have at least one dimension (the axis), got a"
                                + " scalar of shape ()",
                        m -> softmax(fixed(), m, m.create(1f))),
                iae(
                        "axis out of range",
                        "axis: 2 is out of range for input of shape (2, 3)" + " (rank 2)",
                        m ->
                                softmax(
                                        TemperatureSoftmax.builder().optAxis(2).build(),
                                        m,
                                        m.ones(new Shape(2, 3)))),
                iae(
                        "negative axis out of range",
                        "axis: -3 is out of range",
                        m ->
                                softmax(
                                        TemperatureSoftmax.builder().optAxis(-3).build(),
                                        m,
                                        m.ones(new Shape(2, 3)))),
                new BadInput(
                        "learnable, not initialized",
                        m ->
                                softmax(
                                        TemperatureSoftmax.builder().optLearnable(true).build(),
                                        m,
                                        m.ones(new Shape(2, 3))),
                        IllegalStateException.class,
                        "the learnable temperature is not initialized"),
                iae(
                        "output shapes of null",
                        "inputShapes: TemperatureSoftmax takes exactly one" + " input, got null",
                        m -> fixed().getOutputShapes(null)),
                iae(
                        "output shapes of a scalar",
                        "got a scalar of shape ()",
                        m -> fixed().getOutputShapes(new Shape[] {new Shape()})),
                iae(
                        "output shapes, axis out of range",
                        "axis: 1 is out of range for input of" + " shape (3)",
                        m ->
                                TemperatureSoftmax.builder()
                                        .optAxis(1)
                                        .build()
                                        .getOutputShapes(new Shape[] {new Shape(3)})),
                new BadInput(
                        "metadata of another version",
                        m ->
                                fixed().loadMetadata(
                                                (byte) 9,
                                                new DataInputStream(
                                                        new ByteArrayInputStream(new byte[0]))),
                        MalformedModelException.class,
                        "TemperatureSoftmax: unsupported encoding version 9, expected 1"));
    }

    @Test(dataProvider = "temperatureSoftmax")
    public void temperatureSoftmax(BadInput row) {
        row.assertRejected(manager);
    }

    private static Block outputs(Function<NDManager, NDList> out) {
        return new LambdaBlock(in -> out.apply(in.head().getManager()));
    }

    private static NDList scaled(Block wrapped, NDManager m, int classAxis) {
        TemperatureScaledBlock block =
                TemperatureScaledBlock.builder()
                        .setBlock(wrapped)
                        .setTemperature(2)
                        .optClassAxis(classAxis)
                        .build();
        block.initialize(m, DataType.FLOAT32, new Shape(2, 3));
        return block.forward(
                new ParameterStore(m, false), new NDList(m.ones(new Shape(2, 3))), false);
    }

    @DataProvider(name = "temperatureScaledBlock")
    public static Object[][] temperatureScaledBlock() {
        Block identity = new LambdaBlock(in -> in);
        return BadInput.rows(
                iae(
                        "no block",
                        "block: required, call setBlock(Block)",
                        m -> TemperatureScaledBlock.builder().setTemperature(2).build()),
                iae(
                        "temperature unset",
                        "temperature: required, call setTemperature(double)",
                        m -> TemperatureScaledBlock.builder().setBlock(identity).build()),
                iae(
                        "temperature NaN",
                        "got NaN or unset",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(Double.NaN)
                                        .build()),
                iae(
                        "temperature 0",
                        "temperature: must be finite and greater than 0, got 0.0",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(0)
                                        .build()),
                iae(
                        "temperature -2",
                        "got -2.0",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(-2)
                                        .build()),
                iae(
                        "temperature inf",
                        "got Infinity",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(Double.POSITIVE_INFINITY)
                                        .build()),
                iae(
                        "initialize with bfloat16",
                        "dataType: TemperatureScaledBlock must be"
                                + " initialized with float32, float64 or float16, got bfloat16",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(2)
                                        .build()
                                        .initialize(m, DataType.BFLOAT16, new Shape(2, 3))),
                iae(
                        "initialize with uint8",
                        "got uint8",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(2)
                                        .build()
                                        .initialize(m, DataType.UINT8, new Shape(2, 3))),
                new BadInput(
                        "forward before initialize",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(2)
                                        .build()
                                        .forward(
                                                new ParameterStore(m, false),
                                                new NDList(m.ones(new Shape(2))),
                                                false),
                        IllegalStateException.class,
                        "the temperature is not initialized"),
                iae(
                        "wrapped block returns nothing",
                        "block: the wrapped block returned no"
                                + " output for inputs of shapes [(2, 3)]",
                        m -> scaled(outputs(x -> new NDList()), m, -1)),
                iae(
                        "complex64 logits",
                        "logits: must be floating point, got complex64",
                        m ->
                                scaled(
                                        outputs(
                                                x ->
                                                        new NDList(
                                                                x.ones(new Shape(2, 3))
                                                                        .toType(
                                                                                DataType.COMPLEX64,
                                                                                false))),
                                        m,
                                        -1)),
                iae(
                        "integer logits",
                        "logits: must be floating point, got int32 of shape" + " (2, 3)",
                        m ->
                                scaled(
                                        outputs(
                                                x ->
                                                        new NDList(
                                                                x.zeros(
                                                                        new Shape(2, 3),
                                                                        DataType.INT32))),
                                        m,
                                        -1)),
                iae(
                        "scalar logits",
                        "logits: must have at least one dimension (the classAxis),"
                                + " got a scalar of shape ()",
                        m -> scaled(outputs(x -> new NDList(x.create(1f))), m, -1)),
                iae(
                        "class axis out of range",
                        "classAxis: 2 is out of range for logits of" + " shape (2, 3) (rank 2)",
                        m -> scaled(identity, m, 2)),
                new BadInput(
                        "metadata of another version",
                        m ->
                                TemperatureScaledBlock.builder()
                                        .setBlock(identity)
                                        .setTemperature(2)
                                        .build()
                                        .loadMetadata(
                                                (byte) 0,
                                                new DataInputStream(
                                                        new ByteArrayInputStream(new byte[0]))),
                        MalformedModelException.class,
                        "TemperatureScaledBlock: unsupported encoding version 0, expected 1"));
    }

    @Test(dataProvider = "temperatureScaledBlock")
    public void temperatureScaledBlock(BadInput row) {
        row.assertRejected(manager);
    }
}
