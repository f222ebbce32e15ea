package io.github.tempered.internal;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.tempered.testing.DirectMemory;
import java.util.function.Function;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link OwnedArrays}: values and types of every factory, one array left per call, arrays that
 * autograd keeps stay valid after their Java handle is closed and the garbage collector has freed
 * and overwritten Java memory, and types that would abort the engine are refused.
 */
public class OwnedArraysTest {

    @Test
    public void scalarKeepsFloat64ExactAndRoundsOtherTypes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray d = OwnedArrays.scalar(m, 0.1, DataType.FLOAT64);
            assertEquals(d.getShape(), new Shape());
            assertEquals(d.getDataType(), DataType.FLOAT64);
            assertEquals(d.toDoubleArray()[0], 0.1, 0.0, "float64 is exact");
            NDArray f = OwnedArrays.scalar(m, 0.1, DataType.FLOAT32);
            assertEquals(f.getDataType(), DataType.FLOAT32);
            assertEquals(f.toFloatArray()[0], 0.1f, 0.0f, "float32 rounds once");
            NDArray h = OwnedArrays.scalar(m, 0.1, DataType.FLOAT16);
            assertEquals(h.getDataType(), DataType.FLOAT16);
            assertEquals(
                    h.toType(DataType.FLOAT64, false).toDoubleArray()[0],
                    0.0999755859375,
                    0.0,
                    "float16's nearest value to 0.1");
            assertSame(d.getManager(), m);
        }
    }

    @Test
    public void scalarLikeIsFloat64OnlyForFloat64AndLivesWithItsArray() {
        try (NDManager m = NDManager.newBaseManager();
                NDManager other = NDManager.newBaseManager()) {
            Object[][] rows = {
                {DataType.FLOAT64, DataType.FLOAT64},
                {DataType.FLOAT32, DataType.FLOAT32},
                {DataType.FLOAT16, DataType.FLOAT32}
            };
            for (Object[] row : rows) {
                NDArray like = other.zeros(new Shape(2), (DataType) row[0]);
                NDArray s = OwnedArrays.scalarLike(2.5, like);
                assertEquals(s.getDataType(), row[1], row[0] + ": scalar type");
                assertSame(s.getManager(), other, row[0] + ": manager of like");
                assertEquals(s.getShape(), new Shape(), row[0] + ": shape");
                assertEquals(s.toType(DataType.FLOAT64, false).toDoubleArray()[0], 2.5, 0.0);
            }
            assertEquals(m.getManagedArrays().size(), 0, "nothing in an unrelated manager");
        }
    }

    @Test
    public void createCopiesValuesShapesAndTypes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 2);
            double[] values = {0.1, -2, 3.25, 1e-3};
            NDArray d = OwnedArrays.create(m, values, shape, DataType.FLOAT64);
            assertEquals(d.getDataType(), DataType.FLOAT64);
            assertEquals(d.getShape(), shape);
            assertClose("double[] float64", "values", d.toDoubleArray(), values, 0, 0);
            NDArray f = OwnedArrays.create(m, values, shape, DataType.FLOAT32);
            assertEquals(f.getDataType(), DataType.FLOAT32);
            float[] single = f.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                assertEquals(single[i], (float) values[i], 0f, "double[] float32 element " + i);
            }
            NDArray h =
                    OwnedArrays.create(
                            m, new float[] {0.5f, 1.5f, -4f, 65504f}, shape, DataType.FLOAT16);
            assertEquals(h.getDataType(), DataType.FLOAT16);
            assertClose(
                    "float[] float16",
                    "values",
                    h.toType(DataType.FLOAT64, false).toDoubleArray(),
                    new double[] {0.5, 1.5, -4, 65504},
                    0,
                    0);
            NDArray w =
                    OwnedArrays.create(m, new float[] {0.1f, 2f}, new Shape(2), DataType.FLOAT64);
            assertEquals(w.getDataType(), DataType.FLOAT64);
            assertEquals(w.toDoubleArray()[0], (double) 0.1f, 0.0, "float widens exactly");
            NDArray l = OwnedArrays.create(m, new long[] {5, -100, Long.MAX_VALUE}, new Shape(3));
            assertEquals(l.getDataType(), DataType.INT64);
            assertEquals(l.toLongArray(), new long[] {5, -100, Long.MAX_VALUE});
            NDArray b = OwnedArrays.create(m, new boolean[] {true, false, true}, new Shape(3, 1));
            assertEquals(b.getDataType(), DataType.BOOLEAN);
            assertEquals(b.getShape(), new Shape(3, 1));
            assertEquals(b.toBooleanArray(), new boolean[] {true, false, true});
        }
    }

    @Test
    public void eachCallLeavesExactlyOneArrayInTheManager() {
        try (NDManager m = NDManager.newBaseManager()) {
            OwnedArrays.scalar(m, 1, DataType.FLOAT64);
            OwnedArrays.scalar(m, 1, DataType.FLOAT32);
            OwnedArrays.create(m, new double[] {1}, new Shape(1), DataType.FLOAT64);
            OwnedArrays.create(m, new double[] {1}, new Shape(1), DataType.FLOAT16);
            OwnedArrays.create(m, new float[] {1}, new Shape(1), DataType.FLOAT32);
            OwnedArrays.create(m, new long[] {1}, new Shape(1));
            OwnedArrays.create(m, new boolean[] {true}, new Shape(1));
            assertEquals(m.getManagedArrays().size(), 7, "the Java-backed blobs are closed");
        }
    }

    @DataProvider(name = "savedOperands")
    public Object[][] savedOperands() {
        // Each builds y from x = (0.5, -1, 2, 3) with an operand autograd saves for the backward
        // pass and closes the operand; the expected gradient of sum(y) with respect to x follows.
        return new Object[][] {
            {
                "create(double[]) in mul",
                (Function<NDArray, NDArray>)
                        in -> {
                            try (NDArray c =
                                    OwnedArrays.create(
                                            in.getManager(),
                                            new double[] {1.5, -2, 0.25, 4},
                                            in.getShape(),
                                            DataType.FLOAT32)) {
                                return in.mul(c);
                            }
                        },
                new double[] {1.5, -2, 0.25, 4}
            },
            {
                "scalar in div",
                (Function<NDArray, NDArray>)
                        in -> {
                            try (NDArray t =
                                    OwnedArrays.scalar(in.getManager(), 4, DataType.FLOAT32)) {
                                return in.div(t);
                            }
                        },
                new double[] {0.25, 0.25, 0.25, 0.25}
            },
            {
                "create(float[]) in mul",
                (Function<NDArray, NDArray>)
                        in -> {
                            try (NDArray c =
                                    OwnedArrays.create(
                                            in.getManager(),
                                            new float[] {3, 3, -1, 0.5f},
                                            in.getShape(),
                                            DataType.FLOAT32)) {
                                return in.mul(c);
                            }
                        },
                new double[] {3, 3, -1, 0.5}
            },
            {
                "create(long[]) in gather",
                (Function<NDArray, NDArray>)
                        in -> {
                            try (NDArray index =
                                    OwnedArrays.create(
                                            in.getManager(), new long[] {3, 3, 0}, new Shape(3))) {
                                return in.gather(index, 0);
                            }
                        },
                new double[] {1, 0, 0, 2}
            },
            {
                "create(boolean[]) in where",
                (Function<NDArray, NDArray>)
                        in -> {
                            try (NDArray mask =
                                    OwnedArrays.create(
                                            in.getManager(),
                                            new boolean[] {true, false, false, true},
                                            in.getShape())) {
                                return NDArrays.where(mask, in, in.zerosLike());
                            }
                        },
                new double[] {1, 0, 0, 1}
            },
        };
    }

    /**
     * The operand is closed and Java memory recycled (freed direct buffers overwritten with 0x7f)
     * between the forward pass and backward: the gradient is still exact, as it would not be for an
     * array made by {@code NDManager.create}, whose memory only its Java object keeps.
     */
    @Test(dataProvider = "savedOperands")
    public void operandsStayValidAfterCloseAndGarbageCollection(
            String name, Function<NDArray, NDArray> forward, double[] expected)
            throws InterruptedException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0.5f, -1f, 2f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = forward.apply(x).sum();
                DirectMemory.recycle();
                collector.backward(y);
            }
            assertClose(
                    name,
                    "gradient",
                    x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(),
                    expected,
                    0,
                    0);
        }
    }

    /**
     * Types that abort DJL 0.36's PyTorch engine (bfloat16, int16, unsigned) and non-floating types
     * are refused before anything is created. (Were the check missing, this test would take the
     * test JVM down with "terminate called without an active exception", a loud failure.)
     */
    @Test
    public void typesTheEngineCannotCreateAreRefused() {
        DataType[] refused = {
            DataType.BFLOAT16,
            DataType.INT16,
            DataType.UINT16,
            DataType.UINT32,
            DataType.UINT64,
            DataType.INT32,
            DataType.BOOLEAN
        };
        try (NDManager m = NDManager.newBaseManager()) {
            for (DataType type : refused) {
                IllegalArgumentException scalar =
                        expectThrows(
                                IllegalArgumentException.class,
                                () -> OwnedArrays.scalar(m, 1, type));
                assertTrue(
                        scalar.getMessage()
                                .startsWith(
                                        "dataType: must be float32, float64 or"
                                                + " float16, got "
                                                + type),
                        scalar.getMessage());
                expectThrows(
                        IllegalArgumentException.class,
                        () -> OwnedArrays.create(m, new double[] {1}, new Shape(1), type));
                expectThrows(
                        IllegalArgumentException.class,
                        () -> OwnedArrays.create(m, new float[] {1}, new Shape(1), type));
            }
            IllegalArgumentException bf =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> OwnedArrays.scalar(m, 1, DataType.BFLOAT16));
            assertTrue(bf.getMessage().contains("aborts the JVM"), bf.getMessage());
            assertEquals(m.getManagedArrays().size(), 0, "nothing created");
        }
    }
}
