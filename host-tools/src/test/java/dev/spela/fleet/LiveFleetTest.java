package dev.spela.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.protocols.fleet.DeathMessage;
import dev.spela.protocols.fleet.VerdictMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The monitor's picture of a device: states, epoch labels, alerts and what pages are sent. */
class LiveFleetTest {

  private final LiveFleet fleet = new LiveFleet("test", "jdbc:sqlite:x", new ModelCatalogue(List.of()));

  private static DeviceView birth(long bdSeq, int trainingState, String image, long pendingTransfer) {
    return new DeviceView("vd-1", "lab", "nrf52840", bdSeq, bdSeq, true, 0x1F, trainingState, 0, 2, 10, 167_772,
        262_144, 90_112, 1_048_576, 131_072, 131_072, 10, image.isEmpty() ? 0 : 54_584, image, pendingTransfer,
        pendingTransfer == 0 ? 0 : 4096, 1_700_000_000_000L, "");
  }

  private static TelemetryRecord record(long bdSeq, long counter, int state, long epoch) {
    return new TelemetryRecord("vd-1", "lab", "", bdSeq, bdSeq, counter, state, 0, 100 * (counter + 1), epoch, 850, 90_112,
        167_772, List.of(new TelemetryRecord.Layer(16_384, -8_192, 65_536)));
  }

  private FleetSnapshot.DeviceRow row() {
    return fleet.rows().get(0);
  }

  @Test
  void aDeviceBeingFlashedShowsItsProgressNotAFlickerOfStoppedAndOffline() {
    DeviceView before = birth(1, 0, "", 0);
    fleet.birth(before);
    assertEquals("stopped", row().state());
    fleet.blockRequest("vd-1", 9, 0, 40_000);
    assertEquals("flashing 0%", row().state());
    fleet.blockRequest("vd-1", 9, 10_000, 40_000);
    assertEquals("flashing 25%", row().state());
    assertEquals(new FleetSnapshot.Flash(9, 10_000, 40_000, "receiving"), row().flash());
    fleet.death(before.offline(), DeathMessage.REBOOT); // the image is in: the device reboots into it
    assertEquals("flashing: rebooting", row().state());
    fleet.birth(birth(2, 0, "ab".repeat(32), 0));
    assertEquals("flashing: trial boot", row().state());
    fleet.verdict("vd-1", new FleetHost.Verdict(9, VerdictMessage.CONFIRMED, VerdictMessage.NONE, 0, "ab"));
    assertEquals("stopped", row().state());
    assertNull(row().flash());
  }

  @Test
  void aTransferServedByAnotherHostShowsTheBytesReceivedAndAResumedOneFromTheBirth() {
    fleet.birth(birth(1, 0, "", 7));
    assertEquals("flashing (4 KiB in)", row().state(), "the BIRTH reports an unfinished transfer");
    fleet.blockRequest("vd-1", 7, 8_192, 0);
    assertEquals("flashing (8 KiB in)", row().state());
  }

  @Test
  void epochsAreCountedFromOneWhileTrainingAndAsDoneOnceStopped() {
    fleet.birth(birth(1, 1, "ab".repeat(32), 0));
    fleet.received(record(1, 0, 1, 0));
    assertEquals("training", row().state());
    assertEquals("epoch 1", row().epoch(), "the first pass is epoch 1, not 0");
    fleet.received(record(1, 1, 1, 1));
    assertEquals("epoch 2", row().epoch());
    fleet.received(record(1, 2, 0, 1));
    assertEquals("stopped", row().state());
    assertEquals("1 epoch done", row().epoch());
  }

  @Test
  void aDeathSaysWhetherTheDeviceRebootsShutDownOrWasLost() {
    DeviceView device = birth(1, 1, "", 0);
    fleet.birth(device);
    fleet.death(device.offline(), DeathMessage.SHUTDOWN);
    assertEquals("shut down", row().state());
    fleet.birth(device);
    fleet.death(device.offline(), DeathMessage.CONNECTION_LOST);
    assertEquals("offline", row().state());
  }

  @Test
  void rebirthsRefusedImagesGapsAndLostRecordsRaiseAlerts() {
    fleet.birth(birth(1, 1, "", 0));
    fleet.birth(birth(1, 1, "", 0));
    fleet.birth(birth(2, 1, "", 0));
    fleet.verdict("vd-1", new FleetHost.Verdict(9, VerdictMessage.REFUSED, VerdictMessage.DOES_NOT_FIT, -33, ""));
    fleet.gap("vd-1", 2, 3);
    fleet.missing(Map.of("vd-1", 5L));
    fleet.missing(Map.of("vd-1", 5L)); // nothing new
    List<FleetSnapshot.Alert> alerts = fleet.snapshot(new LiveFleet.Cursor(), true).alerts();
    assertEquals(List.of("rebirth", "rebirth", "image", "gap", "lost"), alerts.stream().map(FleetSnapshot.Alert::kind)
        .toList());
    assertTrue(alerts.get(2).text().contains("detail -33"), alerts.get(2).text());
    assertEquals(5, fleet.totals().lost());
    assertEquals(3, fleet.totals().gaps());
  }

  @Test
  void aPageGetsOnlyWhatChangedAndTheWholeCurveWhenANewImageStartsOver() {
    fleet.birth(birth(1, 1, "aa".repeat(32), 0));
    fleet.stored(List.of(record(1, 0, 1, 0), record(1, 1, 1, 0)), 3);
    assertEquals(2, fleet.totals().records());
    assertEquals(1, fleet.totals().duplicates());
    LiveFleet.Cursor page = new LiveFleet.Cursor();
    FleetSnapshot first = fleet.snapshot(page, true);
    assertEquals(2, first.curves().get("vd-1").samples().length);
    assertNull(fleet.update(page), "nothing changed");

    fleet.stored(List.of(record(1, 2, 1, 0)), 1);
    FleetSnapshot.Update update = fleet.update(page);
    assertNotNull(update);
    FleetSnapshot.Curves delta = update.curves().get("vd-1");
    assertEquals(2, delta.from());
    assertEquals(1, delta.samples().length);
    assertEquals(50.0, delta.accuracy()[0][0], "accuracy in percent");

    fleet.birth(birth(2, 1, "bb".repeat(32), 0)); // flashed with another image: its model learns from 0
    FleetSnapshot.Curves restarted = fleet.update(page).curves().get("vd-1");
    assertEquals(0, restarted.from());
    assertEquals(0, restarted.samples().length);
    assertTrue(restarted.generation() > delta.generation());
  }

  @Test
  void aCurveKeepsAtMostItsLimitByThinningOlderPoints() {
    Curve curve = new Curve("aa", 0);
    for (long r = 0; r <= Curve.MAX_POINTS; r++) {
      curve.add(record(1, r, 1, 0));
    }
    assertTrue(curve.size() <= Curve.MAX_POINTS / 2 + 2, "thinned: " + curve.size());
    FleetSnapshot.Curves all = curve.from(0);
    assertEquals(100, all.samples()[0], "the first point stays");
    assertEquals(100L * (Curve.MAX_POINTS + 1), all.samples()[all.samples().length - 1], "the newest point stays");
    assertEquals(1, all.generation(), "pages take the whole series again");
  }
}
