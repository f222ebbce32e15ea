package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNotSame;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;
import org.w3c.dom.Document;

/** {@link ReliabilityDiagram}: PNG and SVG output, headless, from real and synthetic reports. */
public class ReliabilityDiagramTest {

    /** Where the rendered examples go, to be looked at by a person. */
    private static final Path OUT = Path.of("target", "reliability");

    private CalibrationReport lenet;
    private CalibrationReport lenetCooled;

    @BeforeClass
    public void lenetReports() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList data = CalibrationFixtures.npz(manager, CalibrationFixtures.LENET);
            NDArray probs = data.get("predictions");
            NDArray labels = data.get("ground_truth");
            lenet = CalibrationReport.of(probs, labels, 15);
            // log(p) are logits up to a per-row constant; T = 1.6 cools the overconfident model.
            NDArray logits = probs.toType(DataType.FLOAT64, false).log().div(1.6);
            lenetCooled = CalibrationReport.ofLogits(logits, labels, 15);
        }
    }

    @Test
    public void rendersHeadless() {
        assertTrue(GraphicsEnvironment.isHeadless(), "tests must run without a display");
    }

    @Test
    public void pngOfLeNetDecodesAndIsNotBlank() throws IOException {
        ReliabilityDiagram diagram =
                ReliabilityDiagram.builder().setReport(lenet).optTitle("LeNet-5, CIFAR-10").build();
        Path file = OUT.resolve("lenet-5-cifar-10.png");
        diagram.savePng(file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(image.getWidth(), ReliabilityDiagram.DEFAULT_WIDTH);
        assertEquals(image.getHeight(), ReliabilityDiagram.DEFAULT_HEIGHT);
        assertNotBlank(image, "LeNet PNG");
    }

    @Test
    public void beforeAfterPairIsSideBySide() throws IOException {
        ReliabilityDiagram pair =
                ReliabilityDiagram.pair(
                        ReliabilityDiagram.builder()
                                .setReport(lenet)
                                .optTitle("LeNet-5 before")
                                .build(),
                        ReliabilityDiagram.builder()
                                .setReport(lenetCooled)
                                .optTitle("LeNet-5 after, T = 1.6")
                                .build());
        Path png = OUT.resolve("lenet-5-cifar-10-pair.png");
        pair.savePng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(image.getWidth(), 2 * ReliabilityDiagram.DEFAULT_WIDTH);
        assertEquals(image.getHeight(), ReliabilityDiagram.DEFAULT_HEIGHT);
        assertNotBlank(image.getSubimage(0, 0, image.getWidth() / 2, image.getHeight()), "left");
        assertNotBlank(
                image.getSubimage(image.getWidth() / 2, 0, image.getWidth() / 2, image.getHeight()),
                "right");
        Path svg = OUT.resolve("lenet-5-cifar-10-pair.svg");
        pair.saveSvg(svg);
        String text = Files.readString(svg, StandardCharsets.UTF_8);
        Document document = parse(text);
        assertEquals(document.getDocumentElement().getLocalName(), "svg");
        assertTrue(text.contains("LeNet-5 before"), "left title in the SVG");
        assertTrue(text.contains("LeNet-5 after, T = 1.6"), "right title in the SVG");
        assertTrue(lenetCooled.ece() < lenet.ece(), "T = 1.6 lowers LeNet's ECE");
    }

    @Test
    public void svgIsWellFormedAndCarriesTheTitleAndEce() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReliabilityDiagram.of(lenet).writeSvg(out);
        String text = out.toString(StandardCharsets.UTF_8);
        Document document = parse(text);
        assertEquals(document.getDocumentElement().getLocalName(), "svg");
        assertTrue(text.contains("Reliability diagram"), "default title in the SVG");
        String ece = String.format(java.util.Locale.ROOT, "ECE = %.2f%%", 100 * lenet.ece());
        assertTrue(text.contains(ece), "the SVG shows " + ece);
        assertTrue(text.contains("N = 10000"), "the SVG shows N");
    }

    @Test
    public void barsFollowTheBins() throws IOException {
        // All samples in the top bin: accuracy 1 draws a tall blue bar, accuracy 0 none but a
        // tall red gap bar.
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] rows = new float[200];
            for (int i = 0; i < 100; i++) {
                rows[2 * i] = 0.98f;
                rows[2 * i + 1] = 0.02f;
            }
            NDArray probs = manager.create(rows, new Shape(100, 2));
            CalibrationReport right =
                    CalibrationReport.of(probs, manager.zeros(new Shape(100), DataType.INT64), 10);
            CalibrationReport wrong =
                    CalibrationReport.of(probs, manager.ones(new Shape(100), DataType.INT64), 10);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ReliabilityDiagram.of(right).writePng(png);
            BufferedImage rightImage = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
            BufferedImage wrongImage = ReliabilityDiagram.of(wrong).toBufferedImage();
            int blueRight = count(rightImage, 31, 119, 180);
            int blueWrong = count(wrongImage, 31, 119, 180);
            assertTrue(
                    blueRight > 2000 && blueWrong < blueRight / 10,
                    "blue accuracy-bar pixels: " + blueRight + " vs " + blueWrong);
            int redRight = countReddish(rightImage);
            int redWrong = countReddish(wrongImage);
            assertTrue(
                    redWrong > 2000 && redRight < redWrong / 10,
                    "reddish gap pixels: " + redRight + " vs " + redWrong);
        }
    }

    @Test
    public void builderChecksItsArguments() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class, () -> ReliabilityDiagram.builder().build());
        assertTrue(e.getMessage().contains("report: must be set"), e.getMessage());
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ReliabilityDiagram.builder()
                                        .setReport(lenet)
                                        .optSize(100, 640)
                                        .build());
        assertTrue(e.getMessage().contains("in [200, 8192] pixels, got 100 x 640"), e.getMessage());
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> ReliabilityDiagram.pair(ReliabilityDiagram.of(lenet), null));
        assertTrue(e.getMessage().contains("after: must not be null"), e.getMessage());
        ReliabilityDiagram reports = ReliabilityDiagram.pair(lenet, lenetCooled);
        assertEquals(reports.getWidth(), 2 * ReliabilityDiagram.DEFAULT_WIDTH);
        assertEquals(reports.getHeight(), ReliabilityDiagram.DEFAULT_HEIGHT);
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> ReliabilityDiagram.pair((CalibrationReport) null, lenet));
        assertTrue(e.getMessage().contains("before: must not be null"), e.getMessage());
        ReliabilityDiagram small =
                ReliabilityDiagram.builder().setReport(lenet).optSize(300, 250).build();
        BufferedImage image = small.toBufferedImage();
        assertEquals(image.getWidth(), 300);
        assertEquals(image.getHeight(), 250);
    }

    @Test
    public void pairKeepsTheSizeLimit() {
        ReliabilityDiagram one = ReliabilityDiagram.of(lenet);
        ReliabilityDiagram nested = one;
        for (int i = 0; i < 3; i++) {
            nested = ReliabilityDiagram.pair(nested, nested);
        }
        assertEquals(nested.getWidth(), 8 * ReliabilityDiagram.DEFAULT_WIDTH, "3 nested pairs");
        ReliabilityDiagram three = nested;
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> ReliabilityDiagram.pair(three, three));
        assertTrue(
                e.getMessage().contains("at most 8192 pixels wide, got 4480 + 4480 = 8960"),
                "4 nested pairs: " + e.getMessage());
        ReliabilityDiagram wide =
                ReliabilityDiagram.builder().setReport(lenet).optSize(5000, 640).build();
        e = expectThrows(IllegalArgumentException.class, () -> ReliabilityDiagram.pair(wide, wide));
        assertTrue(e.getMessage().contains("got 5000 + 5000 = 10000"), e.getMessage());
        ReliabilityDiagram half =
                ReliabilityDiagram.builder().setReport(lenet).optSize(4096, 300).build();
        assertEquals(ReliabilityDiagram.pair(half, half).getWidth(), 8192, "exactly MAX_SIZE");
    }

    @Test
    public void withoutXChartBuildFailsWithOneLineNamingTheArtifact() throws Exception {
        String version = System.getProperty("xchart.version");
        assertNotNull(version, "surefire passes xchart.version from pom.xml");
        String artifact = "org.knowm.xchart:xchart:" + version;
        assertEquals(ReliabilityDiagram.XCHART_ARTIFACT, artifact, "the artifact in pom.xml");

        // Control: the same isolation, hiding nothing, draws.
        try (URLClassLoader loader = temperedLoader(List.of())) {
            Object diagram = ofReport(loader);
            assertSame(diagram.getClass().getClassLoader(), loader, "Tempered loaded in isolation");
            assertEquals(diagram.getClass().getMethod("getWidth").invoke(diagram), 560);
        }
        try (URLClassLoader loader =
                temperedLoader(List.of("org.knowm.xchart.", "de.erichseifert.vectorgraphics2d."))) {
            expectThrows(
                    ClassNotFoundException.class,
                    () -> loader.loadClass("org.knowm.xchart.XYChart"));
            InvocationTargetException e =
                    expectThrows(InvocationTargetException.class, () -> ofReport(loader));
            Throwable cause = e.getCause();
            assertEquals(cause.getClass(), IllegalStateException.class, "cause: " + cause);
            String message = cause.getMessage();
            assertTrue(message.contains("add " + artifact), "message: " + message);
            assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        }
    }

    /**
     * Loads Tempered's classes itself, from where the test's copy of them came from
     * (target/classes), hides the packages given, and leaves every other class to the test's class
     * loader.
     */
    private static URLClassLoader temperedLoader(List<String> hidden) {
        URL classes = ReliabilityDiagram.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(
                new URL[] {classes}, ReliabilityDiagramTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve)
                    throws ClassNotFoundException {
                synchronized (getClassLoadingLock(name)) {
                    for (String prefix : hidden) {
                        if (name.startsWith(prefix)) {
                            throw new ClassNotFoundException(name + " is hidden by the test");
                        }
                    }
                    if (!name.startsWith("io.github.tempered.")) {
                        return super.loadClass(name, resolve);
                    }
                    Class<?> loaded = findLoadedClass(name);
                    if (loaded == null) {
                        loaded = findClass(name);
                    }
                    if (resolve) {
                        resolveClass(loaded);
                    }
                    return loaded;
                }
            }
        };
    }

    /**
     * {@code ReliabilityDiagram.of(CalibrationReport.of(...))} on the loader's copy of Tempered.
     */
    private static Object ofReport(ClassLoader loader) throws Exception {
        Class<?> diagram = loader.loadClass(ReliabilityDiagram.class.getName());
        Class<?> report = loader.loadClass(CalibrationReport.class.getName());
        assertNotSame(diagram, ReliabilityDiagram.class, "a second copy of ReliabilityDiagram");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray probs = manager.create(new float[] {0.9f, 0.1f, 0.3f, 0.7f}, new Shape(2, 2));
            NDArray labels = manager.create(new long[] {0, 0});
            Object value =
                    report.getMethod("of", NDArray.class, NDArray.class, int.class)
                            .invoke(null, probs, labels, 10);
            return diagram.getMethod("of", report).invoke(null, value);
        }
    }

    private static Document parse(String svg) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            // The SVG names a DTD; do not fetch it.
            factory.setFeature(
                    "http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            return factory.newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("SVG is not well-formed XML: " + e.getMessage(), e);
        }
    }

    private static void assertNotBlank(BufferedImage image, String what) {
        Set<Integer> colours = new HashSet<>();
        long nonWhite = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb != 0xFFFFFF) {
                    nonWhite++;
                }
            }
        }
        double fraction = (double) nonWhite / ((long) image.getWidth() * image.getHeight());
        assertTrue(colours.size() >= 20, what + ": only " + colours.size() + " distinct colours");
        assertTrue(fraction > 0.05, what + ": non-white fraction " + fraction);
    }

    private static int count(BufferedImage image, int r, int g, int b) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 0xFF) - r) <= 8
                        && Math.abs(((rgb >> 8) & 0xFF) - g) <= 8
                        && Math.abs((rgb & 0xFF) - b) <= 8) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Pixels of the translucent red gap fill over white. */
    private static int countReddish(BufferedImage image) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (r > 230 && g > 150 && g < 215 && Math.abs(g - b) < 12) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    public void histogramYAxisRunsFromZeroToOne() {
        CalibrationReport concentrated;
        try (NDManager manager = NDManager.newBaseManager()) {
            // Every sample in one bin: a bar of height 1, which the axis must still hold.
            NDArray probs = manager.create(new float[] {0.99f, 0.01f}).tile(new long[] {8, 1});
            NDArray labels = manager.zeros(new Shape(8), DataType.INT64);
            concentrated = CalibrationReport.of(probs, labels, 15);
        }
        for (CalibrationReport report : List.of(lenet, concentrated)) {
            var styler =
                    ReliabilityCharts.histogramChart(
                                    new ReliabilityDiagram.Panel(report, "histogram", 560, 640))
                            .getStyler();
            String which = report == lenet ? "LeNet-5" : "one full bin";
            assertEquals(styler.getYAxisMin(), 0.0, which + ": y axis minimum");
            assertEquals(styler.getYAxisMax(), 1.0, which + ": y axis maximum (a fraction)");
        }
    }
}
