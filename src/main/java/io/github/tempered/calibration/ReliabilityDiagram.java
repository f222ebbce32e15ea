package io.github.tempered.calibration;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reliability diagram of a {@link CalibrationReport}, drawn with XChart as PNG or SVG.
 *
 * <p>The upper chart shows, for each non-empty equal-width bin, a bar of the bin's accuracy, a
 * translucent red bar of the gap between that accuracy and the bin's mean confidence, and the
 * diagonal {@code y = x} of perfect calibration. The lower chart is the confidence histogram: the
 * fraction of samples per bin, with vertical lines at the overall accuracy and the mean confidence
 * (as in Guo et al. 2017). A binary report ({@link CalibrationReport#isBinary()}) is drawn the same
 * way over {@code P(y = 1)}: bars of the fraction of positives per bin, and lines at the overall
 * fraction of positives and the mean {@code P(y = 1)}. The title above them ends with the ECE and
 * the number of samples; it is drawn as text, so an SVG keeps it searchable (XChart draws its own
 * labels as outlines).
 *
 * <pre>{@code
 * ReliabilityDiagram.builder().setReport(report).optTitle("LeNet-5, CIFAR-10").build()
 *         .savePng(Path.of("reliability.png"));
 * ReliabilityDiagram.pair(before, after).saveSvg(Path.of("before-after.svg"));
 * }</pre>
 *
 * <p>A diagram holds only reports and options (no NDArrays), is immutable and may be rendered from
 * any thread. Rendering needs no display: it draws into an off-screen image or into an SVG
 * document, so it works with {@code java.awt.headless=true} (the only requirement is a font, which
 * any JDK with fontconfig has). The whole image, a single diagram or a {@link #pair pair}, is at
 * most {@value #MAX_SIZE} pixels wide and high.
 *
 * <p>XChart is an optional dependency of Tempered: add {@value #XCHART_ARTIFACT} to use this class.
 * Without it, {@link Builder#build()} (and so {@link #of} and {@link #pair}) throws an {@link
 * IllegalStateException} that names the artifact.
 */
public final class ReliabilityDiagram {

    /** The default width of one diagram, in pixels. */
    public static final int DEFAULT_WIDTH = 560;

    /** The default height of one diagram, in pixels. */
    public static final int DEFAULT_HEIGHT = 640;

    /** The smallest width or height accepted, in pixels. */
    public static final int MIN_SIZE = 200;

    /**
     * The largest width or height accepted, in pixels: a diagram is drawn into an in-memory image
     * of 4 bytes per pixel (256 MB at this size squared).
     */
    public static final int MAX_SIZE = 8192;

    /** The Maven coordinates of the XChart version that Tempered is built and tested with. */
    public static final String XCHART_ARTIFACT = "org.knowm.xchart:xchart:3.8.8";

    /** Classes of XChart and of the VectorGraphics2D it brings, loaded by the drawing code. */
    private static final String[] XCHART_CLASSES = {
        "org.knowm.xchart.XYChart", "de.erichseifert.vectorgraphics2d.VectorGraphics2D"
    };

    private static final Logger logger = LoggerFactory.getLogger(ReliabilityDiagram.class);

    private final List<Panel> panels;
    private final int width;
    private final int height;

    /** One diagram: a report drawn in a {@code width x height} area. */
    record Panel(CalibrationReport report, String title, int width, int height) {}

    private ReliabilityDiagram(List<Panel> panels) {
        this.panels = List.copyOf(panels);
        int w = 0;
        int h = 0;
        for (Panel panel : panels) {
            w += panel.width();
            h = Math.max(h, panel.height());
        }
        width = w;
        height = h;
    }

    /**
     * Creates a builder.
     *
     * @return a builder; {@link Builder#setReport} is required
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a diagram of a report with the default title and size.
     *
     * @param report the report
     * @return the diagram
     * @throws IllegalArgumentException if {@code report} is null
     * @throws IllegalStateException if XChart is not on the classpath
     */
    public static ReliabilityDiagram of(CalibrationReport report) {
        return builder().setReport(report).build();
    }

    /**
     * Places two diagrams side by side, e.g. before and after temperature scaling.
     *
     * @param before the left diagram
     * @param after the right diagram
     * @return a diagram as wide as both together and as high as the higher one
     * @throws IllegalArgumentException if either is null, or if both together are wider than
     *     {@value #MAX_SIZE} pixels
     */
    public static ReliabilityDiagram pair(ReliabilityDiagram before, ReliabilityDiagram after) {
        if (before == null || after == null) {
            throw new IllegalArgumentException(
                    (before == null ? "before" : "after") + ": must not be null");
        }
        if (before.width + after.width > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "before, after: side by side they must be at most "
                            + MAX_SIZE
                            + " pixels wide, got "
                            + before.width
                            + " + "
                            + after.width
                            + " = "
                            + (before.width + after.width));
        }
        List<Panel> both = new ArrayList<>(before.panels);
        both.addAll(after.panels);
        return new ReliabilityDiagram(both);
    }

    /**
     * Places the diagrams of two reports side by side, titled "Before" and "After".
     *
     * @param before the report of the left diagram
     * @param after the report of the right diagram
     * @return a diagram of twice the default width
     * @throws IllegalArgumentException if either is null
     * @throws IllegalStateException if XChart is not on the classpath
     */
    public static ReliabilityDiagram pair(CalibrationReport before, CalibrationReport after) {
        if (before == null || after == null) {
            throw new IllegalArgumentException(
                    (before == null ? "before" : "after") + ": must not be null");
        }
        return pair(
                builder().setReport(before).optTitle("Before").build(),
                builder().setReport(after).optTitle("After").build());
    }

    /**
     * Returns the width of the whole image.
     *
     * @return the width in pixels
     */
    public int getWidth() {
        return width;
    }

    /**
     * Returns the height of the whole image.
     *
     * @return the height in pixels
     */
    public int getHeight() {
        return height;
    }

    /**
     * Renders the diagram into a new image, e.g. to show it in a notebook.
     *
     * @return an RGB image of {@link #getWidth()} by {@link #getHeight()} pixels
     */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(
                    RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            ReliabilityCharts.paint(g, panels, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * Writes the diagram as PNG.
     *
     * @param out the stream to write to; it stays open
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if {@code out} is null
     */
    public void writePng(OutputStream out) throws IOException {
        requireStream(out);
        if (!ImageIO.write(toBufferedImage(), "png", out)) {
            throw new IOException("no PNG writer is available in ImageIO");
        }
    }

    /**
     * Writes the diagram as SVG (through XChart's VectorGraphics2D); text stays text.
     *
     * @param out the stream to write to; it stays open
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if {@code out} is null
     */
    public void writeSvg(OutputStream out) throws IOException {
        requireStream(out);
        ReliabilityCharts.writeSvg(panels, width, height, out);
    }

    /**
     * Saves the diagram as a PNG file, creating missing parent directories.
     *
     * @param file the file to write
     * @throws IOException if writing fails
     */
    public void savePng(Path file) throws IOException {
        try (OutputStream out = open(file)) {
            writePng(out);
        }
        logger.debug("Wrote reliability diagram to {}", file);
    }

    /**
     * Saves the diagram as an SVG file, creating missing parent directories.
     *
     * @param file the file to write
     * @throws IOException if writing fails
     */
    public void saveSvg(Path file) throws IOException {
        try (OutputStream out = open(file)) {
            writeSvg(out);
        }
        logger.debug("Wrote reliability diagram to {}", file);
    }

    /** Fails with a one-line message if the drawing code's libraries cannot be loaded. */
    private static void requireXChart() {
        ClassLoader loader = ReliabilityDiagram.class.getClassLoader();
        for (String name : XCHART_CLASSES) {
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException(
                        "ReliabilityDiagram needs XChart, an optional dependency of Tempered: add "
                                + XCHART_ARTIFACT
                                + " to the classpath ("
                                + name
                                + " not found)");
            }
        }
    }

    private static void requireStream(OutputStream out) {
        if (out == null) {
            throw new IllegalArgumentException("out: must not be null");
        }
    }

    private static OutputStream open(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file: must not be null");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.newOutputStream(file);
    }

    /** Builds a {@link ReliabilityDiagram}. */
    public static final class Builder {

        private CalibrationReport report;
        private String title = "Reliability diagram";
        private int width = DEFAULT_WIDTH;
        private int height = DEFAULT_HEIGHT;

        private Builder() {}

        /**
         * Sets the report to draw (required).
         *
         * @param report the report
         * @return this builder
         */
        public Builder setReport(CalibrationReport report) {
            this.report = report;
            return this;
        }

        /**
         * Sets the title; the ECE and the number of samples are appended to it.
         *
         * @param title the title; default "Reliability diagram"
         * @return this builder
         */
        public Builder optTitle(String title) {
            this.title = title;
            return this;
        }

        /**
         * Sets the size of the diagram; the histogram takes the lower 30% of the height.
         *
         * @param width the width in pixels, in [{@value ReliabilityDiagram#MIN_SIZE}, {@value
         *     ReliabilityDiagram#MAX_SIZE}]; default {@value ReliabilityDiagram#DEFAULT_WIDTH}
         * @param height the height in pixels, in [{@value ReliabilityDiagram#MIN_SIZE}, {@value
         *     ReliabilityDiagram#MAX_SIZE}]; default {@value ReliabilityDiagram#DEFAULT_HEIGHT}
         * @return this builder
         */
        public Builder optSize(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Builds the diagram.
         *
         * @return the diagram
         * @throws IllegalArgumentException if the report or title is missing or a size is below
         *     {@value ReliabilityDiagram#MIN_SIZE} or above {@value ReliabilityDiagram#MAX_SIZE}
         * @throws IllegalStateException if XChart ({@value ReliabilityDiagram#XCHART_ARTIFACT}) is
         *     not on the classpath
         */
        public ReliabilityDiagram build() {
            requireXChart();
            if (report == null) {
                throw new IllegalArgumentException("report: must be set (setReport), got null");
            }
            if (title == null) {
                throw new IllegalArgumentException("title: must not be null");
            }
            if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE) {
                throw new IllegalArgumentException(
                        "size: width and height must be in ["
                                + MIN_SIZE
                                + ", "
                                + MAX_SIZE
                                + "] pixels, got "
                                + width
                                + " x "
                                + height);
            }
            return new ReliabilityDiagram(List.of(new Panel(report, title, width, height)));
        }
    }
}
