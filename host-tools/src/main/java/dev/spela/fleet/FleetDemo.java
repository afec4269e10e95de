package dev.spela.fleet;

import dev.spela.boards.BoardProfile;
import dev.spela.boards.device.BoardLimits;
import dev.spela.boards.device.VirtualDevice;
import dev.spela.data.Dataset;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.FleetSecurity;
import dev.spela.image.ImageCompiler;
import dev.spela.priors.PriorMethod;
import dev.spela.protocols.fleet.CommandMessage;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.runtime.MemoryPlan;
import dev.spela.train.LocalLoss;
import dev.spela.train.SpelaNetwork;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/**
 * The whole loop on one machine: an embedded broker, virtual devices on different boards, a model
 * that fits each board flashed over the air, training on each device's shard of the data with live
 * telemetry, then an on-device evaluation and the run's report.
 */
public final class FleetDemo {

  /** Model shapes tried for a board, largest first; the first that fits is used. */
  static final int[][] SHAPES = {{784, 128, 34}, {784, 64, 34}, {784, 32, 16}};

  public static final String HOST_ID = "spela-demo";
  public static final String GROUP = "demo";

  /**
   * @param brokerUrl an external broker, or null for an embedded one
   * @param maxTrain training samples per device (its shard, capped)
   * @param learningRate the devices' rate (fine-tuning, when the host pre-trains)
   * @param pretraining what the host trains before flashing (once per model shape)
   * @param progress told what the host does before the devices start (pre-training)
   * @param screen where the live view is drawn, or null
   * @param http where to serve the live dashboard, or null for none
   * @param dashboard told the dashboard's URL once it is served
   * @param fleet the fleet folder whose CA, accounts and keys secure the demo (its broker and
   *     devices), or null for plain MQTT without logins ({@code --insecure})
   */
  public record Settings(
      int devices,
      int epochs,
      List<BoardProfile> boards,
      Dataset dataset,
      Path runDir,
      String brokerUrl,
      int maxTrain,
      int maxHeldOut,
      int recordEvery,
      double learningRate,
      HostPretraining pretraining,
      Consumer<String> progress,
      PrintStream screen,
      InetSocketAddress http,
      Consumer<String> dashboard,
      FleetSecurity fleet) {}

  /** How one device did: {@code failure} is null if it trained and evaluated. */
  public record Outcome(
      String device, String board, String model, String verdict, long evaluatedSamples, double[] accuracy,
      String failure) {
    public boolean ok() {
      return failure == null;
    }

    /** The best layer's held-out accuracy. */
    public double bestAccuracy() {
      return Arrays.stream(accuracy).max().orElse(0);
    }
  }

  /**
   * The run's result. {@code missingRecords}: records numbered below a session's last one that are
   * not in the store (lost, or skipped by the device when its publish window was full).
   */
  public record Result(
      List<Outcome> outcomes,
      Path report,
      long recordsStored,
      long duplicates,
      long missingRecords,
      long imageBytes,
      double flashSeconds,
      double seconds) {
    public boolean ok() {
      return outcomes.stream().allMatch(Outcome::ok);
    }
  }

  private FleetDemo() {}

  /** The first of {@link #SHAPES} that the board's fit rule accepts, or null. */
  public static int[] modelFor(BoardProfile board, int classes) {
    BoardLimits limits = new BoardLimits(board);
    for (int[] shape : SHAPES) {
      MemoryPlan plan = new MemoryPlan();
      int[] outputs = Arrays.copyOfRange(shape, 1, shape.length);
      if (plan.setShape(shape[0], classes, outputs, outputs.length, 0) == ImageStatus.OK
          && limits.refusal(plan) == null) {
        return shape;
      }
    }
    return null;
  }

  /** A fresh SPELA network (Kaiming weights, Riesz priors) compiled to an image, as spela compile does. */
  public static byte[] untrainedImage(int[] shape, int classes, double learningRate, long seed) {
    return ImageCompiler.compile(SpelaNetwork.fresh(shape, classes, PriorMethod.RIESZ, LocalLoss.COSINE, seed),
        ImageCompiler.Settings.of(learningRate, seed));
  }

  private static BoardProfile board(Settings settings, int device) {
    return settings.boards().get(device % settings.boards().size());
  }

  /**
   * Each device's model shape and image: one model per shape, pre-trained on the host if the
   * settings say so (devices of a shape get the same image); an untrained model gets each device's
   * own seed, as before.
   */
  private static void pretrain(Settings settings, int[][] shapes, byte[][] models) {
    Dataset dataset = settings.dataset();
    Map<String, byte[]> pretrained = new HashMap<>();
    for (int i = 0; i < shapes.length; i++) {
      int[] shape = modelFor(board(settings, i), dataset.numClasses());
      shapes[i] = shape;
      if (shape == null) {
        continue;
      }
      HostPretraining pretraining = settings.pretraining();
      if (!pretraining.trains()) {
        models[i] = untrainedImage(shape, dataset.numClasses(), settings.learningRate(), i + 1);
        continue;
      }
      models[i] = pretrained.computeIfAbsent(shapeName(shape), name -> {
        settings.progress().accept("pre-training " + name + " on the host (" + pretraining.epochs() + " epochs of "
            + dataset.name() + ")");
        HostPretraining.Model model = pretraining.model(shape, dataset, settings.learningRate());
        settings.progress().accept(HostPretraining.describe(model));
        return model.image();
      });
    }
  }

  static String shapeName(int[] shape) {
    return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining("-"));
  }

  public static Result run(Settings settings) throws IOException, InterruptedException {
    long start = System.nanoTime();
    int[][] shapes = new int[settings.devices()][];
    byte[][] models = new byte[settings.devices()][];
    pretrain(settings, shapes, models);
    long imageBytes = 0;
    double flashSeconds = 0;
    FleetSecurity security = settings.fleet();
    EmbeddedBroker broker = settings.brokerUrl() != null ? null
        : security != null ? EmbeddedBroker.startSecure(security) : EmbeddedBroker.start();
    String url = broker != null ? broker.url() : settings.brokerUrl();
    ClientSecurity hostLogin = security != null ? security.hostClient() : ClientSecurity.NONE;
    List<VirtualDevice> running = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    String title = "SPELA fleet demo: " + settings.devices() + " devices, " + settings.dataset().name() + ", "
        + settings.epochs() + " epoch(s)";
    Files.createDirectories(settings.runDir());
    LiveFleet fleet = new LiveFleet(title, settings.runDir().resolve(TelemetryStore.FILE_NAME).toString(),
        new ModelCatalogue(List.of()));
    Dashboard dashboard = null;
    try (TelemetryStore store = TelemetryStore.open(TelemetryStore.sqliteUrl(settings.runDir()));
        FleetMonitor monitor = new FleetMonitor(store, fleet, false);
        TerminalView view = TerminalView.start(fleet, settings.screen());
        FleetHost host = FleetHost.open(url, HOST_ID, FleetHost.Options.primary(true, null), hostLogin, monitor)) {
      if (settings.http() != null) {
        dashboard = Dashboard.start(fleet, settings.http());
        settings.dashboard().accept(dashboard.url());
      }
      int n = settings.devices();
      String[] ids = new String[n];
      BoardProfile[] boards = new BoardProfile[n];
      for (int i = 0; i < n; i++) {
        ids[i] = String.format(Locale.ROOT, "vd-%02d", i + 1);
        boards[i] = board(settings, i);
        Path devices = settings.runDir().resolve("devices");
        VirtualDevice.Config config = new VirtualDevice.Config(ids[i], GROUP, HOST_ID, url, devices,
            new BoardLimits(boards[i]),
            FleetData.shard(settings.dataset(), i, n, settings.maxTrain(), settings.maxHeldOut()),
            settings.recordEvery(), 4, settings.epochs());
        if (security != null) {
          config = config.secured(security.deviceCredentials(ids[i], GROUP, devices.resolve(ids[i])));
        }
        running.add(VirtualDevice.start(config));
      }
      Duration answer = Duration.ofSeconds(60);
      if (!host.await(h -> Arrays.stream(ids).allMatch(id -> h.device(id).filter(DeviceView::online).isPresent()),
          answer)) {
        throw new IOException("not every virtual device came online");
      }
      // Flash every device at once, then wait for every verdict.
      String[] failures = new String[n];
      String[] verdicts = new String[n];
      ImageTransfer[] transfers = new ImageTransfer[n];
      Path images = Files.createDirectories(settings.runDir().resolve("images"));
      long flashStart = System.nanoTime();
      for (int i = 0; i < n; i++) {
        if (shapes[i] == null) {
          failures[i] = "no model shape fits " + boards[i].id();
          continue;
        }
        byte[] image = models[i];
        Files.write(images.resolve(ids[i] + ".img"), image);
        fleet.models().add(image);
        imageBytes += image.length;
        transfers[i] = host.offer(ids[i], image, 12, null);
      }
      for (int i = 0; i < n; i++) {
        if (transfers[i] == null) {
          continue;
        }
        FleetHost.Verdict verdict = transfers[i].await(Duration.ofMinutes(5));
        verdicts[i] = verdict.describe();
        if (!verdict.confirmed()) {
          failures[i] = "image refused: " + verdict.describe();
        }
      }
      flashSeconds = (System.nanoTime() - flashStart) / 1e9;
      for (int i = 0; i < n; i++) {
        if (failures[i] == null) {
          FleetHost.Ack ack = host.command(ids[i], CommandMessage.START, 0, answer);
          if (!ack.ok()) {
            failures[i] = "start: " + ack.statusName();
          }
        }
      }
      long trainSamples = (long) settings.epochs() * Math.min(settings.maxTrain(), (60000 + n - 1) / n);
      Duration trainingTimeout = Duration.ofSeconds(120 + trainSamples / 200);
      boolean finished = host.await(h -> {
        for (int i = 0; i < n; i++) {
          TelemetryRecord last = fleet.latest(ids[i]);
          boolean done = last != null && last.trainingState() == 0 && last.epoch() >= settings.epochs();
          if (failures[i] == null && !done) {
            return false;
          }
        }
        return true;
      }, trainingTimeout);
      for (int i = 0; i < n; i++) {
        if (failures[i] == null && !finished) {
          TelemetryRecord last = fleet.latest(ids[i]);
          if (last == null || last.trainingState() != 0) {
            failures[i] = "did not finish training in " + trainingTimeout.toSeconds() + " s";
          }
        }
        double[] accuracy = new double[0];
        long evaluated = 0;
        if (failures[i] == null) {
          FleetHost.Ack ack = host.command(ids[i], CommandMessage.EVALUATE, 0, answer);
          if (ack.ok()) {
            evaluated = ack.evaluatedSamples();
            accuracy = Arrays.stream(ack.accuracyQ15()).mapToDouble(q -> q / 32768.0).toArray();
          } else {
            failures[i] = "evaluate: " + ack.statusName();
          }
        }
        outcomes.add(new Outcome(ids[i], boards[i].id(), shapes[i] == null ? "-" : shapeName(shapes[i]),
            verdicts[i], evaluated, accuracy, failures[i]));
      }
      for (VirtualDevice device : running) {
        device.close();
      }
      running.clear();
      monitor.flush(30_000); // every record received is stored before the counts are taken
      view.close();
      Path report;
      long missing;
      try (TelemetryReader reader = store.reader()) {
        report = FleetReport.write(settings.runDir().resolve("report.html"), fleet, reader);
        missing = reader.sessions().stream().mapToLong(TelemetryReader.SessionCount::missing).sum();
      }
      Logger.debug("demo report: {}", report);
      return new Result(outcomes, report, store.stored(), store.duplicates(), missing, imageBytes, flashSeconds,
          (System.nanoTime() - start) / 1e9);
    } finally {
      for (VirtualDevice device : running) {
        device.close();
      }
      if (dashboard != null) {
        dashboard.close();
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** One line: device, board, model and held-out accuracy per layer, or what went wrong. */
  public static String describe(Outcome o) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-6s %-10s %-11s", o.device(), o.board(),
        o.model()));
    if (!o.ok()) {
      return line.append(" FAILED: ").append(o.failure()).toString();
    }
    for (int k = 0; k < o.accuracy().length; k++) {
      line.append(String.format(Locale.ROOT, "  layer %d %5.1f%%", k + 1, o.accuracy()[k] * 100));
    }
    return line.append(String.format(Locale.ROOT, "  (%d held-out samples)", o.evaluatedSamples())).toString();
  }
}
