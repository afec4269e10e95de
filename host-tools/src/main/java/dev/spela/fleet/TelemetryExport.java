package dev.spela.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The telemetry database as files (docs/fleet/README.md, "Exported telemetry"): CSV with one row
 * per record and layer, or JSON Lines with one record per line; held-out evaluations likewise.
 * Integers as the messages carry them (Q15 accuracy and loss, Q16 weight norm, Q24 learning rate);
 * layers numbered from 1. Device ids and groups are from the protocol's name alphabet, so no CSV
 * field needs quoting.
 */
public final class TelemetryExport {

  public enum Format { CSV, JSONL }

  static final String RECORD_HEADER = "device,group,life,boot,record,bdSeq,state,deviceTimeMs,samplesSeen,epoch,stepMicros,"
      + "ramUsed,learningRateQ24,layer,accuracyQ15,lossQ15,weightNormQ16\n";
  static final String EVALUATION_HEADER =
      "device,bdSeq,commandId,samplesSeen,evaluatedSamples,receivedMs,layer,accuracyQ15\n";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A record as a JSON line. */
  record RecordLine(
      String device, String group, String life, long boot, long record, long bdSeq, int state, long deviceTimeMs,
      long samplesSeen,
      long epoch, long stepMicros, long ramUsed, int learningRateQ24, List<LayerLine> layers) {}

  record LayerLine(int layer, int accuracyQ15, int lossQ15, long weightNormQ16) {}

  /** An evaluation as a JSON line. */
  record EvaluationLine(
      String device, long bdSeq, long commandId, long samplesSeen, long evaluatedSamples, long receivedMs,
      int[] accuracyQ15) {}

  private TelemetryExport() {}

  /** Writes every record; returns how many. */
  public static long records(TelemetryReader reader, Format format, Writer out) throws IOException {
    if (format == Format.CSV) {
      out.write(RECORD_HEADER);
    }
    long[] count = {0};
    reader.records(r -> {
      count[0]++;
      if (format == Format.JSONL) {
        List<LayerLine> layers = new ArrayList<>();
        for (int k = 0; k < r.layers().size(); k++) {
          TelemetryRecord.Layer l = r.layers().get(k);
          layers.add(new LayerLine(k + 1, l.accuracyQ15(), l.lossQ15(), l.weightNormQ16()));
        }
        out.write(json(new RecordLine(r.device(), r.group(), r.life(), r.bootCount(), r.recordCounter(),
            r.bdSeq(), r.trainingState(),
            r.deviceTimeMs(), r.samplesSeen(), r.epoch(), r.stepMicros(), r.ramUsed(), r.learningRateQ24(), layers)));
        return;
      }
      String common = String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", r.device(), r.group(),
          r.life(), r.bootCount(), r.recordCounter(), r.bdSeq(), r.trainingState(), r.deviceTimeMs(), r.samplesSeen(), r.epoch(), r.stepMicros(),
          r.ramUsed(), r.learningRateQ24());
      for (int k = 0; k < r.layers().size(); k++) {
        TelemetryRecord.Layer l = r.layers().get(k);
        out.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%d%n", common, k + 1, l.accuracyQ15(), l.lossQ15(),
            l.weightNormQ16()));
      }
    });
    return count[0];
  }

  /** Writes every held-out evaluation; returns how many. */
  public static long evaluations(TelemetryReader reader, Format format, Writer out) throws IOException {
    List<Evaluation> evaluations = reader.evaluations();
    if (format == Format.CSV) {
      out.write(EVALUATION_HEADER);
    }
    for (Evaluation e : evaluations) {
      if (format == Format.JSONL) {
        out.write(json(new EvaluationLine(e.device(), e.bdSeq(), e.commandId(), e.samplesSeen(),
            e.evaluatedSamples(), e.receivedMs(), e.accuracyQ15())));
        continue;
      }
      for (int k = 0; k < e.accuracyQ15().length; k++) {
        out.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%d%n", e.device(), e.bdSeq(), e.commandId(),
            e.samplesSeen(), e.evaluatedSamples(), e.receivedMs(), k + 1, e.accuracyQ15()[k]));
      }
    }
    return evaluations.size();
  }

  private static String json(Object line) {
    try {
      return JSON.writeValueAsString(line) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an export line is always serialisable", e);
    }
  }
}
