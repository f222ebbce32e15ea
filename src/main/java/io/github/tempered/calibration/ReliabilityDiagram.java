package io.github.tempered.calibration;

import de.erichseifert.vectorgraphics2d.Document;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;
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
 * any JDK with fontconfig has).
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

    private static final Logger logger = LoggerFactory.getLogger(ReliabilityDiagram.class);

    private static final Color ACCURACY = new Color(31, 119, 180);
    private static final Color ACCURACY_EDGE = new Color(18, 70, 110);
    private static final Color GAP = new Color(214, 39, 40, 80);
    private static final Color GAP_EDGE = new Color(214, 39, 40);
    private static final Color DIAGONAL = new Color(90, 90, 90);
    private static final Color HISTOGRAM = new Color(120, 120, 120);
    private static final Color CONFIDENCE_LINE = new Color(214, 39, 40);
    private static final double HISTOGRAM_SHARE = 0.3;
    private static final int TITLE_HEIGHT = 30;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    private final List<Panel> panels;
    private final int width;
    private final int height;

    /** One diagram: a report drawn in a {@code width x height} area. */
    private record Panel(CalibrationReport report, String title, int width, int height) {}

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
     * @throws IllegalArgumentException if either is null
     */
    public static ReliabilityDiagram pair(ReliabilityDiagram before, ReliabilityDiagram after) {
        if (before == null || after == null) {
            throw new IllegalArgumentException(
                    (before == null ? "before" : "after") + ": must not be null");
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
            paint(g);
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
        VectorGraphics2D g = new VectorGraphics2D();
        paint(g);
        Document document =
                new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width, height));
        document.writeTo(out);
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

    private void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int x = 0;
        for (Panel panel : panels) {
            paintTitle(g, panel, x);
            int charts = panel.height() - TITLE_HEIGHT;
            int upper = (int) Math.round(charts * (1 - HISTOGRAM_SHARE));
            Graphics2D top = (Graphics2D) g.create();
            try {
                top.translate(x, TITLE_HEIGHT);
                reliabilityChart(panel).paint(top, panel.width(), upper);
            } finally {
                top.dispose();
            }
            Graphics2D bottom = (Graphics2D) g.create();
            try {
                bottom.translate(x, TITLE_HEIGHT + upper);
                histogramChart(panel).paint(bottom, panel.width(), charts - upper);
            } finally {
                bottom.dispose();
            }
            x += panel.width();
        }
    }

    /**
     * Draws the title as text (XChart draws its own titles as outlines, which an SVG would not show
     * as text), centred above the panel.
     */
    private static void paintTitle(Graphics2D g, Panel panel, int x) {
        CalibrationReport report = panel.report();
        String title =
                String.format(
                        Locale.ROOT,
                        "%s (ECE = %.2f%%, N = %d)",
                        panel.title(),
                        100 * report.ece(),
                        report.count());
        g.setFont(TITLE_FONT);
        g.setColor(Color.BLACK);
        FontMetrics metrics = g.getFontMetrics();
        int textX = x + Math.max(4, (panel.width() - metrics.stringWidth(title)) / 2);
        int baseline = (TITLE_HEIGHT + metrics.getAscent() - metrics.getDescent()) / 2 + 2;
        g.drawString(title, textX, baseline);
    }

    /**
     * The words of a diagram: top-label confidence and accuracy, or, for a binary report, {@code
     * P(y = 1)} and the fraction of positives.
     */
    private record Words(String x, String y, String bars, String gap, String rate, String mean) {
        static Words of(CalibrationReport report) {
            return report.isBinary()
                    ? new Words(
                            "P(y = 1)",
                            "Fraction of positives",
                            "Fraction positive",
                            "Gap to mean P(y = 1)",
                            "Positives",
                            "Mean P(y = 1)")
                    : new Words(
                            "Confidence",
                            "Accuracy",
                            "Accuracy",
                            "Gap to mean confidence",
                            "Accuracy",
                            "Mean confidence");
        }

        /** The overall accuracy, or for a binary report the fraction of positives. */
        static double rate(CalibrationReport report) {
            if (!report.isBinary()) {
                return report.accuracy();
            }
            double positives = 0;
            for (CalibrationReport.Bin bin : report.bins()) {
                positives += bin.count() == 0 ? 0 : bin.accuracy() * bin.count();
            }
            return positives / report.count();
        }
    }

    private static XYChart reliabilityChart(Panel panel) {
        CalibrationReport report = panel.report();
        Words words = Words.of(report);
        XYChart chart =
                new XYChartBuilder()
                        .width(panel.width())
                        .height(100)
                        .xAxisTitle(words.x())
                        .yAxisTitle(words.y())
                        .build();
        style(chart, 1.0);
        chart.getStyler().setXAxisTitleVisible(false);

        List<Double> accX = new ArrayList<>();
        List<Double> accY = new ArrayList<>();
        List<Double> gapX = new ArrayList<>();
        List<Double> gapY = new ArrayList<>();
        for (CalibrationReport.Bin bin : report.bins()) {
            if (bin.count() == 0) {
                continue;
            }
            rectangle(accX, accY, bin.lower(), bin.upper(), 0, bin.accuracy());
            rectangle(gapX, gapY, bin.lower(), bin.upper(), bin.accuracy(), bin.meanConfidence());
        }
        bars(chart, words.bars(), accX, accY, ACCURACY, ACCURACY_EDGE, true);
        bars(chart, words.gap(), gapX, gapY, GAP, GAP_EDGE, true);
        XYSeries diagonal =
                chart.addSeries("Perfect calibration", new double[] {0, 1}, new double[] {0, 1});
        line(diagonal, DIAGONAL);
        return chart;
    }

    private static XYChart histogramChart(Panel panel) {
        CalibrationReport report = panel.report();
        Words words = Words.of(report);
        XYChart chart =
                new XYChartBuilder()
                        .width(panel.width())
                        .height(100)
                        .xAxisTitle(words.x())
                        .yAxisTitle("Fraction")
                        .build();
        double top = 0;
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (CalibrationReport.Bin bin : report.bins()) {
            if (bin.count() == 0) {
                continue;
            }
            double fraction = (double) bin.count() / report.count();
            top = Math.max(top, fraction);
            rectangle(xs, ys, bin.lower(), bin.upper(), 0, fraction);
        }
        // Headroom above the highest bar for the legend.
        double yMax = Math.ceil(top * 1.6 / 0.05) * 0.05;
        style(chart, yMax);
        bars(chart, "Fraction of samples", xs, ys, HISTOGRAM, HISTOGRAM.darker(), false);
        double rate = Words.rate(report);
        XYSeries accuracy =
                chart.addSeries(
                        String.format(Locale.ROOT, "%s %.3f", words.rate(), rate),
                        new double[] {rate, rate},
                        new double[] {0, yMax});
        line(accuracy, ACCURACY);
        XYSeries confidence =
                chart.addSeries(
                        String.format(
                                Locale.ROOT, "%s %.3f", words.mean(), report.meanConfidence()),
                        new double[] {report.meanConfidence(), report.meanConfidence()},
                        new double[] {0, yMax});
        line(confidence, CONFIDENCE_LINE);
        return chart;
    }

    private static void style(XYChart chart, double yMax) {
        var styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.DARK_GRAY);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setLegendPosition(LegendPosition.InsideNW);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        styler.setChartTitleVisible(false);
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(1.0);
        styler.setYAxisMin(0.0);
        styler.setYAxisMax(yMax);
        // The same label width on both charts keeps their plot areas aligned.
        styler.setXAxisDecimalPattern("0.0");
        styler.setYAxisDecimalPattern("0.00");
        styler.setMarkerSize(0);
        styler.setToolTipsEnabled(false);
    }

    /** Appends a rectangle from {@code (x0, y0)} to {@code (x1, y1)} and a NaN separator. */
    private static void rectangle(
            List<Double> xs, List<Double> ys, double x0, double x1, double y0, double y1) {
        double[][] corners = {{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}};
        for (double[] corner : corners) {
            xs.add(corner[0]);
            ys.add(corner[1]);
        }
        xs.add(x1);
        ys.add(Double.NaN);
    }

    private static void bars(
            XYChart chart,
            String name,
            List<Double> xs,
            List<Double> ys,
            Color fill,
            Color edge,
            boolean showInLegend) {
        if (xs.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
        series.setShowInLegend(showInLegend);
        series.setFillColor(fill);
        series.setLineColor(edge);
        series.setLineStyle(new BasicStroke(1f));
        series.setMarker(SeriesMarkers.NONE);
    }

    private static void line(XYSeries series, Color color) {
        series.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        series.setLineColor(color);
        series.setLineStyle(
                new BasicStroke(
                        1.5f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10f,
                        new float[] {6f, 4f},
                        0f));
        series.setMarker(SeriesMarkers.NONE);
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
         */
        public ReliabilityDiagram build() {
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
