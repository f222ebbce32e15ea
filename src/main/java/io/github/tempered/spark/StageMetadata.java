package io.github.tempered.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;

/**
 * Saves and loads a stage's metadata as Spark ML does: one line of JSON in a text file under {@code
 * path/metadata}, holding the class, a timestamp, the Spark version, the uid and the params that
 * are set ({@code paramMap}) and that have defaults ({@code defaultParamMap}), each value encoded
 * by its param's {@code jsonEncode}. {@code Pipeline} and {@code PipelineModel} find a stage's
 * class there and call its static {@code read()}.
 */
final class StageMetadata {

    private StageMetadata() {}

    /** Creates a stage being loaded. */
    @FunctionalInterface
    interface Creator<T> {
        /**
         * Creates the stage.
         *
         * @param uid its uid, from the metadata
         * @param path its directory, for data saved beside the metadata
         * @param session the session reading it
         * @return the stage, with default params
         */
        T create(String uid, String path, SparkSession session);
    }

    /**
     * Returns a writer of the stage's metadata, then of its data.
     *
     * @param stage the stage
     * @param data writes the stage's data under the directory it is given, or does nothing
     * @return the writer
     */
    static MLWriter writer(Params stage, BiConsumer<String, SparkSession> data) {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                StageMetadata.save(stage, path, sc());
                data.accept(path, sparkSession());
            }
        };
    }

    /**
     * Returns a reader of stages saved by {@link #writer}.
     *
     * @param type the stage's class, which the metadata must name
     * @param creator creates the stage
     * @param <T> the stage's type
     * @return the reader
     */
    static <T extends Params> MLReader<T> reader(Class<T> type, Creator<T> creator) {
        return new MLReader<>() {
            @Override
            public T load(String path) {
                return StageMetadata.load(
                        path, sc(), type, uid -> creator.create(uid, path, sparkSession()));
            }
        };
    }

    /**
     * Writes the metadata of {@code stage} under {@code path}.
     *
     * @param stage the stage
     * @param path the stage's directory
     * @param sc the Spark context
     */
    static void save(Params stage, String path, SparkContext sc) {
        JsonObject json = new JsonObject();
        json.addProperty("class", stage.getClass().getName());
        json.addProperty("timestamp", System.currentTimeMillis());
        json.addProperty("sparkVersion", sc.version());
        json.addProperty("uid", stage.uid());
        JsonObject set = new JsonObject();
        JsonObject defaults = new JsonObject();
        for (Param<?> param : stage.params()) {
            if (stage.isSet(param)) {
                set.add(param.name(), encode(param, stage.get(param).get()));
            }
            if (stage.hasDefault(param)) {
                defaults.add(param.name(), encode(param, stage.getDefault(param).get()));
            }
        }
        json.add("paramMap", set);
        json.add("defaultParamMap", defaults);
        JavaSparkContext.fromSparkContext(sc)
                .parallelize(List.of(json.toString()), 1)
                .saveAsTextFile(new Path(path, "metadata").toString());
    }

    @SuppressWarnings("unchecked")
    private static <T> JsonElement encode(Param<T> param, Object value) {
        return JsonParser.parseString(param.jsonEncode((T) value));
    }

    /**
     * Reads the metadata under {@code path}, creates the stage with its uid and sets the params it
     * holds.
     *
     * @param path the stage's directory
     * @param sc the Spark context
     * @param type the class the metadata must name
     * @param create creates the stage from its uid
     * @param <T> the stage's type
     * @return the stage
     * @throws IllegalArgumentException if the metadata names another class
     */
    static <T extends Params> T load(
            String path, SparkContext sc, Class<T> type, Function<String, T> create) {
        String text = sc.textFile(new Path(path, "metadata").toString(), 1).first();
        JsonObject json = JsonParser.parseString(text).getAsJsonObject();
        String saved = json.get("class").getAsString();
        if (!saved.equals(type.getName())) {
            throw new IllegalArgumentException(
                    "path: " + path + " holds a " + saved + ", not a " + type.getName());
        }
        T stage = create.apply(json.get("uid").getAsString());
        for (Map.Entry<String, JsonElement> entry : json.getAsJsonObject("paramMap").entrySet()) {
            Param<Object> param = stage.getParam(entry.getKey());
            stage.set(param, param.jsonDecode(entry.getValue().toString()));
        }
        return stage;
    }
}
