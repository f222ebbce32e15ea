package io.github.tempered.spark;

import org.apache.spark.sql.SparkSession;
import org.testng.ISuite;
import org.testng.ISuiteListener;

/**
 * The one local Spark session the spark tests share: created on first use (about 5 seconds) with
 * two executor threads, and stopped when the suite ends (test classes declare this class as a
 * listener).
 */
public final class SparkSessions implements ISuiteListener {

    private static SparkSession session;

    /**
     * Returns the shared session, creating it on first use.
     *
     * @return a {@code local[2]} session without UI
     */
    public static synchronized SparkSession get() {
        if (session == null) {
            session =
                    SparkSession.builder()
                            .master("local[2]")
                            .appName("tempered-tests")
                            .config("spark.ui.enabled", "false")
                            .config("spark.ui.showConsoleProgress", "false")
                            .config("spark.sql.shuffle.partitions", "4")
                            .config("spark.driver.host", "127.0.0.1")
                            .config("spark.driver.bindAddress", "127.0.0.1")
                            .getOrCreate();
        }
        return session;
    }

    /** Stops the session, if one was created. */
    public static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    @Override
    public void onFinish(ISuite suite) {
        stop();
    }
}
