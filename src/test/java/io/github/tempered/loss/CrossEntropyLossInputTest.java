package io.github.tempered.loss;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.Function;
import java.util.function.Supplier;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** Every invalid input to {@link CrossEntropyLoss} gives a clear IllegalArgumentException. */
public class CrossEntropyLossInputTest {

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @DataProvider(name = "badBuilds")
    public static Object[][] badBuilds() {
        return new Object[][] {
            {"temperature 0", (Supplier<?>) () -> b().optTemperature(0f).build(), "temperature"},
            {"temperature < 0", (Supplier<?>) () -> b().optTemperature(-1f).build(), "-1.0"},
            {"temperature NaN", (Supplier<?>) () -> b().optTemperature(Float.NaN).build(), "NaN"},
            {
                "temperature inf",
                (Supplier<?>) () -> b().optTemperature(Float.POSITIVE_INFINITY).build(),
                "Infinity"
            },
            {
                "smoothing < 0",
                (Supplier<?>) () -> b().optLabelSmoothing(-0.1f).build(),
                "labelSmoothing"
            },
            {"smoothing > 1", (Supplier<?>) () -> b().optLabelSmoothing(1.5f).build(), "1.5"},
            {
                "smoothing NaN",
                (Supplier<?>) () -> b().optLabelSmoothing(Float.NaN).build(),
                "labelSmoothing"
            },
            {
                "negative weight",
                (Supplier<?>) () -> b().optWeight(new float[] {1, -2, 1}).build(),
                "weight: entry 1"
            },
            {
                "NaN weight",
                (Supplier<?>) () -> b().optWeight(new float[] {1, Float.NaN}).build(),
                "NaN"
            },
            {"empty weight", (Supplier<?>) () -> b().optWeight(new float[0]).build(), "weight"},
            {"null reduction", (Supplier<?>) () -> b().optReduction(null).build(), "reduction"},
            {"empty name", (Supplier<?>) () -> b().optName("").build(), "name"},
        };
    }

    @Test(dataProvider = "badBuilds")
    public void builderRejects(String name, Supplier<?> build, String fragment) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, build::get);
        assertTrue(
                e.getMessage().contains(fragment),
                name + ": message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @DataProvider(name = "badInputs")
    public Object[][] badInputs() {
        return new Object[][] {
            {"label above C", plain(), logits(4, 3), longs(0, 1, 3, 2), "class index 3"},
            {
                "label above C names position",
                plain(),
                logits(4, 3),
                longs(0, 1, 3, 2),
                "at position 2 "
            },
            {"negative label", plain(), logits(4, 3), longs(0, -1, 1, 2), "class index -1"},
            {
                "negative label other than ignore",
                b().optIgnoreIndex(-100).build(),
                logits(4, 3),
                longs(0, -1, 1, 2),
                "not the ignore index -100"
            },
            {"batch mismatch", plain(), logits(4, 3), longs(0, 1, 2), "labels: shape (3)"},
            {
                "spatial mismatch",
                b().optClassAxis(1).build(),
                (Supplier<NDArray>) () -> manager.randomNormal(new Shape(2, 3, 4)),
                (Supplier<NDArray>) () -> manager.zeros(new Shape(2, 5), DataType.INT64),
                "expected (2, 4)"
            },
            {
                "probabilities of the wrong shape",
                plain(),
                logits(4, 3),
                (Supplier<NDArray>) () -> manager.ones(new Shape(4, 4)).div(4),
                "fits neither"
            },
            {
                "integer probabilities",
                plain(),
                logits(4, 3),
                (Supplier<NDArray>) () -> manager.ones(new Shape(4, 3), DataType.INT32),
                "must be floating point"
            },
            {
                "ignore index with probabilities",
                b().optIgnoreIndex(-100).build(),
                logits(4, 3),
                (Supplier<NDArray>) () -> manager.ones(new Shape(4, 3)).div(3),
                "ignore index"
            },
            {
                "weight length",
                b().optWeight(new float[] {1, 1}).build(),
                logits(4, 3),
                longs(0, 1, 2, 0),
                "weight: has 2 entries"
            },
            {
                "scalar logits",
                plain(),
                (Supplier<NDArray>) () -> manager.create(1f),
                (Supplier<NDArray>) () -> manager.create(0L),
                "scalar"
            },
            {
                "integer logits",
                plain(),
                (Supplier<NDArray>) () -> manager.ones(new Shape(2, 3), DataType.INT32),
                longs(0, 1),
                "must be floating point, got int32"
            },
            {
                "fractional float labels",
                plain(),
                logits(2, 3),
                (Supplier<NDArray>) () -> manager.create(new float[] {0f, 1.5f}),
                "whole numbers, got 1.5"
            },
            {
                "NaN float labels",
                plain(),
                logits(2, 3),
                (Supplier<NDArray>) () -> manager.create(new float[] {0f, Float.NaN}),
                "whole numbers, got NaN"
            },
            {
                "boolean labels",
                plain(),
                logits(2, 3),
                (Supplier<NDArray>) () -> manager.create(new boolean[] {true, false}),
                "integer type"
            },
            {
                "class axis out of range",
                b().optClassAxis(2).build(),
                logits(2, 3),
                longs(0, 1),
                "classAxis: 2 is out of range"
            },
        };
    }

    @Test(dataProvider = "badInputs")
    public void evaluateRejects(
            String name,
            CrossEntropyLoss loss,
            Supplier<NDArray> logits,
            Supplier<NDArray> labels,
            String fragment) {
        NDList l = new NDList(labels.get());
        NDList p = new NDList(logits.get());
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> loss.evaluate(l, p));
        assertTrue(
                e.getMessage().contains(fragment),
                name + ": message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    public void emptyListsAreRejected() {
        CrossEntropyLoss loss = plain();
        NDList labels = new NDList(manager.create(new long[] {0}));
        NDList logits = new NDList(manager.randomNormal(new Shape(1, 3)));
        Function<Runnable, String> message =
                r -> expectThrows(IllegalArgumentException.class, r::run).getMessage();
        assertTrue(message.apply(() -> loss.evaluate(new NDList(), logits)).startsWith("labels"));
        assertTrue(
                message.apply(() -> loss.evaluate(labels, new NDList())).startsWith("predictions"));
        assertTrue(message.apply(() -> loss.evaluate(null, logits)).startsWith("labels"));
    }

    private static CrossEntropyLoss.Builder b() {
        return CrossEntropyLoss.builder();
    }

    private static CrossEntropyLoss plain() {
        return b().build();
    }

    private Supplier<NDArray> logits(int n, int c) {
        return () -> manager.randomNormal(new Shape(n, c));
    }

    private Supplier<NDArray> longs(long... values) {
        return () -> manager.create(values);
    }
}
