package io.github.tempered.spark;

import static org.apache.spark.sql.functions.col;

import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.internal.ScoreRows;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.TaskContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * The score column (and, for fits and evaluations, the label column) of a stage: their types,
 * checked against a schema on the driver, and the reading and checking of one row on an executor,
 * in plain Java arrays.
 *
 * <p>Score columns are {@code array<float>}, {@code array<double>} or an ml {@code Vector}; label
 * columns are integral or floating point holding whole numbers. Rows are read from the selection
 * {@code (score, label)} as Spark's internal rows, which copies the values without boxing them.
 * Every failure is an {@link IllegalArgumentException} whose message starts with the column's name;
 * {@link #rowError} adds the offending row's position and values.
 */
final class ScoreColumns implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The most values of a row that messages show. */
    private static final int SHOWN_VALUES = 32;

    private static final List<DataType> LABEL_TYPES =
            List.of(
                    DataTypes.ByteType,
                    DataTypes.ShortType,
                    DataTypes.IntegerType,
                    DataTypes.LongType,
                    DataTypes.FloatType,
                    DataTypes.DoubleType);

    /** How the score column stores a row. */
    enum Storage {
        /** {@code array<float>}. */
        FLOAT_ARRAY,
        /** {@code array<double>}. */
        DOUBLE_ARRAY,
        /** An ml {@code Vector}, dense or sparse. */
        VECTOR
    }

    private final String input;
    private final Storage storage;
    private final InputKind kind;
    private final String label;
    private final DataType labelType;
    private final int classes;

    private ScoreColumns(
            String input,
            Storage storage,
            InputKind kind,
            String label,
            DataType labelType,
            int classes) {
        this.input = input;
        this.storage = storage;
        this.kind = kind;
        this.label = label;
        this.labelType = labelType;
        this.classes = classes;
    }

    /**
     * Checks the score and label columns of a schema.
     *
     * @param schema the dataset's schema
     * @param input the score column
     * @param kind what it holds
     * @param label the label column
     * @return the columns, with the number of classes not yet known
     * @throws IllegalArgumentException if a column is missing or of another type
     */
    static ScoreColumns of(StructType schema, String input, InputKind kind, String label) {
        Storage storage = checkScores(schema, input);
        DataType labelType = field(schema, label).dataType();
        if (!LABEL_TYPES.contains(labelType)) {
            throw new IllegalArgumentException(
                    column(label)
                            + ": must hold class indices of an integral type, or float or double"
                            + " holding whole numbers; got "
                            + labelType.simpleString());
        }
        return new ScoreColumns(input, storage, kind, label, labelType, -1);
    }

    /**
     * Checks that a score column exists and has a supported type.
     *
     * @param schema the schema
     * @param input the column's name
     * @return how it stores a row
     * @throws IllegalArgumentException if it is missing or of another type
     */
    static Storage checkScores(StructType schema, String input) {
        DataType type = field(schema, input).dataType();
        if (type instanceof ArrayType) {
            DataType element = ((ArrayType) type).elementType();
            if (element.equals(DataTypes.FloatType)) {
                return Storage.FLOAT_ARRAY;
            }
            if (element.equals(DataTypes.DoubleType)) {
                return Storage.DOUBLE_ARRAY;
            }
        }
        if (type.equals(SQLDataTypes.VectorType())) {
            return Storage.VECTOR;
        }
        throw new IllegalArgumentException(
                column(input)
                        + ": must be array<float>, array<double> or an ml Vector of class scores;"
                        + " got "
                        + type.simpleString());
    }

    /**
     * Checks that an output column does not exist yet.
     *
     * @param schema the schema
     * @param output the column's name
     * @throws IllegalArgumentException if it exists
     */
    static void checkAbsent(StructType schema, String output) {
        if (Arrays.asList(schema.fieldNames()).contains(output)) {
            throw new IllegalArgumentException(
                    column(output)
                            + ": already exists (type "
                            + schema.apply(output).dataType().simpleString()
                            + "); choose another output column");
        }
    }

    private static org.apache.spark.sql.types.StructField field(StructType schema, String name) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(
                    column(name)
                            + ": does not exist; the dataset has the columns "
                            + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    /**
     * Returns how messages name a column.
     *
     * @param name the column's name
     * @return {@code column 'name'}
     */
    static String column(String name) {
        return "column '" + name + "'";
    }

    /**
     * Selects the score and label columns, in that order.
     *
     * @param data the dataset
     * @return the selection
     */
    Dataset<Row> select(Dataset<?> data) {
        return data.select(col(input), col(label));
    }

    /**
     * Returns these columns with the number of classes, the length of the selection's first row.
     *
     * @param selected the selection of {@link #select}
     * @return the columns, ready to read rows
     * @throws IllegalArgumentException if the dataset is empty or its first row has no scores
     */
    ScoreColumns withClasses(Dataset<Row> selected) {
        Row[] first = (Row[]) selected.head(1);
        if (first.length == 0) {
            throw new IllegalArgumentException(
                    column(input) + ": the dataset is empty; at least one row is needed");
        }
        Object value = first[0].get(0);
        int length;
        if (value == null) {
            throw new IllegalArgumentException(column(input) + ": the first row is null");
        } else if (value instanceof Vector) {
            length = ((Vector) value).size();
        } else {
            length = ((scala.collection.Seq<?>) value).length();
        }
        if (length == 0) {
            throw new IllegalArgumentException(
                    column(input) + ": the first row holds no value; C must be at least 1");
        }
        return new ScoreColumns(input, storage, kind, label, labelType, length);
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}
     */
    int classes() {
        return classes;
    }

    /**
     * Returns what the score column holds.
     *
     * @return the kind
     */
    InputKind kind() {
        return kind;
    }

    /**
     * Returns how the score column stores a row.
     *
     * @return the storage
     */
    Storage storage() {
        return storage;
    }

    /**
     * Returns the smallest probability whose log is taken: the smallest normal number of the
     * column's element type, as {@link CalibrationReport} clamps float32 and float64 input.
     *
     * @param storage how the column stores a row
     * @return {@code 2^-126} for {@code array<float>}, else {@code 2^-1022}
     */
    static double tiny(Storage storage) {
        return storage == Storage.FLOAT_ARRAY ? Float.MIN_NORMAL : Double.MIN_NORMAL;
    }

    /**
     * Turns a row of probabilities into logits in place: {@code log(max(p, tiny))}, the logits
     * every stage takes for probability input.
     *
     * @param values the row, overwritten
     * @param tiny the smallest probability, {@link #tiny} of the row's storage
     */
    static void probabilitiesToLogits(double[] values, double tiny) {
        for (int c = 0; c < values.length; c++) {
            values[c] = Math.log(Math.max(values[c], tiny));
        }
    }

    /**
     * Reads the scores of a row into {@code out}.
     *
     * @param row a row of the selection
     * @param out receives the {@code C} scores
     * @throws IllegalArgumentException if the scores are null, hold a null or have another length
     *     than the first row
     */
    void read(InternalRow row, double[] out) {
        if (row.isNullAt(0)) {
            throw new IllegalArgumentException(column(input) + ": is null");
        }
        if (storage == Storage.VECTOR) {
            Vector vector = vector(row);
            requireLength(vector.size());
            // A dense vector's toArray is its own array; a sparse one's is a new one.
            System.arraycopy(vector.toArray(), 0, out, 0, classes);
            return;
        }
        ArrayData array = row.getArray(0);
        requireLength(array.numElements());
        boolean single = storage == Storage.FLOAT_ARRAY;
        for (int c = 0; c < classes; c++) {
            if (array.isNullAt(c)) {
                throw new IllegalArgumentException(column(input) + ": holds a null at class " + c);
            }
            out[c] = single ? array.getFloat(c) : array.getDouble(c);
        }
    }

    private void requireLength(int length) {
        if (length != classes) {
            throw new IllegalArgumentException(
                    column(input)
                            + ": rows must all have the same length, but this one has "
                            + length
                            + " values and the first row has "
                            + classes);
        }
    }

    private static Vector vector(InternalRow row) {
        @SuppressWarnings("unchecked")
        UserDefinedType<Vector> type = (UserDefinedType<Vector>) SQLDataTypes.VectorType();
        return type.deserialize(row.getStruct(0, ((StructType) type.sqlType()).length()));
    }

    /**
     * Checks scores read by {@link #read}: logits must be finite; probabilities finite,
     * non-negative and summing to 1 within {@link CalibrationReport#ROW_SUM_TOLERANCE}.
     *
     * @param values the scores
     * @throws IllegalArgumentException naming the column and the offending value or sum
     */
    void check(double[] values) {
        if (kind == InputKind.LOGITS) {
            ScoreRows.finiteMax(values, 0, classes, column(input), -1, null);
        } else {
            ScoreRows.checkProbabilities(
                    values, 0, classes, CalibrationReport.ROW_SUM_TOLERANCE, column(input), -1);
        }
    }

    /**
     * Reads the label of a row.
     *
     * @param row a row of the selection
     * @return the class index, in {@code [0, C)}
     * @throws IllegalArgumentException if it is null, not a whole number or out of range
     */
    int label(InternalRow row) {
        if (row.isNullAt(1)) {
            throw new IllegalArgumentException(column(label) + ": is null");
        }
        double value;
        if (labelType.equals(DataTypes.DoubleType) || labelType.equals(DataTypes.FloatType)) {
            value =
                    labelType.equals(DataTypes.DoubleType)
                            ? row.getDouble(1)
                            : (double) row.getFloat(1);
        } else {
            value = ((Number) row.get(1, labelType)).longValue();
        }
        if (!(value >= 0 && value < classes && value == Math.rint(value))) {
            throw new IllegalArgumentException(
                    column(label)
                            + ": must be a class index, a whole number in [0, "
                            + classes
                            + "), got "
                            + row.get(1, labelType));
        }
        return (int) value;
    }

    /**
     * Returns the error for a row that failed: the problem, then where the row is and what it
     * holds.
     *
     * @param problem the failure, whose message names the column
     * @param row the row
     * @param index the row's index within its partition
     * @return the exception to throw
     */
    IllegalArgumentException rowError(
            IllegalArgumentException problem, InternalRow row, long index) {
        TaskContext task = TaskContext.get();
        String where =
                (task == null ? "" : "partition " + task.partitionId() + ", ") + "row " + index;
        String message = problem.getMessage();
        if (!message.startsWith("column '")) {
            message = column(input) + ": " + message;
        }
        return new IllegalArgumentException(
                message + " (" + where + ": " + describe(row) + ")", problem);
    }

    private String describe(InternalRow row) {
        StringBuilder text = new StringBuilder(input).append(" = ");
        if (row.isNullAt(0)) {
            text.append("null");
        } else {
            int length;
            Object[] shown;
            if (storage == Storage.VECTOR) {
                double[] values = vector(row).toArray();
                length = values.length;
                shown = new Object[Math.min(length, SHOWN_VALUES)];
                for (int i = 0; i < shown.length; i++) {
                    shown[i] = values[i];
                }
            } else {
                ArrayData array = row.getArray(0);
                length = array.numElements();
                shown = new Object[Math.min(length, SHOWN_VALUES)];
                for (int i = 0; i < shown.length; i++) {
                    shown[i] =
                            array.isNullAt(i)
                                    ? null
                                    : storage == Storage.FLOAT_ARRAY
                                            ? (Object) array.getFloat(i)
                                            : (Object) array.getDouble(i);
                }
            }
            String values = Arrays.toString(shown);
            text.append(
                    length > SHOWN_VALUES
                            ? String.format(
                                    Locale.ROOT,
                                    "%s, ... (%d values)]",
                                    values.substring(0, values.length() - 1),
                                    length)
                            : values);
        }
        return text.append(", ")
                .append(label)
                .append(" = ")
                .append(row.isNullAt(1) ? "null" : row.get(1, labelType))
                .toString();
    }
}
