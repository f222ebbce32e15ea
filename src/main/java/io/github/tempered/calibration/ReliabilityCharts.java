package io.github.tempered.calibration;

import de.erichseifert.vectorgraphics2d.Document;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import io.github.tempered.calibration.ReliabilityDiagram.Panel;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The drawing of a {@link ReliabilityDiagram} with XChart and VectorGraphics2D: the only class that
 * refers to them, so that {@link ReliabilityDiagram} loads without them and can say which artifact
 * is missing.
 */
final class ReliabilityCharts {

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

    private ReliabilityCharts() {}

    /** Writes the panels side by side as an SVG document of {@code width x height}. */
    static void writeSvg(List<Panel> panels, int width, int height, OutputStream out)
            throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        paint(g, panels, width, height);
        Document document =
                new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width, height));
        document.writeTo(out);
    }

    /** Paints the panels side by side on a white {@code width x height} background. */
    static void paint(Graphics2D g, List<Panel> panels, int width, int height) {
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
            for (CalibrationReport.Bin bin : nonEmpty(report)) {
                positives += bin.accuracy() * bin.count();
            }
            return positives / report.count();
        }
    }

    private static XYChart reliabilityChart(Panel panel) {
        CalibrationReport report = panel.report();
        Words words = Words.of(report);
        XYChart chart = chart(panel, words.x(), words.y());
        style(chart);
        chart.getStyler().setXAxisTitleVisible(false);

        List<Double> accX = new ArrayList<>();
        List<Double> accY = new ArrayList<>();
        List<Double> gapX = new ArrayList<>();
        List<Double> gapY = new ArrayList<>();
        for (CalibrationReport.Bin bin : nonEmpty(report)) {
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

    /**
     * The confidence histogram: the fraction of samples in each bin, on a y axis from 0 to 1 (a
     * fraction), with the accuracy and the mean confidence as vertical lines.
     */
    static XYChart histogramChart(Panel panel) {
        CalibrationReport report = panel.report();
        Words words = Words.of(report);
        XYChart chart = chart(panel, words.x(), "Fraction");
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (CalibrationReport.Bin bin : nonEmpty(report)) {
            double fraction = (double) bin.count() / report.count();
            rectangle(xs, ys, bin.lower(), bin.upper(), 0, fraction);
        }
        style(chart);
        bars(chart, "Fraction of samples", xs, ys, HISTOGRAM, HISTOGRAM.darker(), false);
        verticalLine(chart, words.rate(), Words.rate(report), ACCURACY);
        verticalLine(chart, words.mean(), report.meanConfidence(), CONFIDENCE_LINE);
        return chart;
    }

    /** A dashed vertical line at {@code x} from 0 to 1, labelled with its value. */
    private static void verticalLine(XYChart chart, String name, double x, Color color) {
        XYSeries series =
                chart.addSeries(
                        String.format(Locale.ROOT, "%s %.3f", name, x),
                        new double[] {x, x},
                        new double[] {0, 1});
        line(series, color);
    }

    /** An empty chart as wide as the panel. */
    private static XYChart chart(Panel panel, String xAxisTitle, String yAxisTitle) {
        return new XYChartBuilder()
                .width(panel.width())
                .height(100)
                .xAxisTitle(xAxisTitle)
                .yAxisTitle(yAxisTitle)
                .build();
    }

    /** The report's bins that hold at least one sample, in order. */
    private static List<CalibrationReport.Bin> nonEmpty(CalibrationReport report) {
        List<CalibrationReport.Bin> bins = new ArrayList<>();
        for (CalibrationReport.Bin bin : report.bins()) {
            if (bin.count() > 0) {
                bins.add(bin);
            }
        }
        return bins;
    }

    private static void style(XYChart chart) {
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
        styler.setYAxisMax(1.0);
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
}
