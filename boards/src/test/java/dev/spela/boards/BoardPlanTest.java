package dev.spela.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spela.agent.DeviceAgent;
import dev.spela.boards.firmware.FirmwareOverhead;
import dev.spela.firmware.FirmwareMemory;
import dev.spela.protocols.image.ImageStatus;
import dev.spela.protocols.image.ModelImage;
import dev.spela.runtime.MemoryPlan;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BoardPlanTest {

  private static final BoardCatalogue BOARDS = BoardCatalogue.standard();
  private static final BoardProfile NRF = BOARDS.byId("nrf52840");

  /**
   * A memory plan for widths {@code input, layer 0, layer 1, ...}, the first {@code frozen} frozen.
   */
  static MemoryPlan model(int classes, int frozen, int... widths) {
    int[] outputs = Arrays.copyOfRange(widths, 1, widths.length);
    MemoryPlan plan = new MemoryPlan();
    long mask = (1L << frozen) - 1;
    assertEquals(ImageStatus.OK, plan.setShape(widths[0], classes, outputs, outputs.length, mask));
    return plan;
  }

  @Test
  void ramAndFlashFiguresAreTheRuntimesToTheByte() {
    MemoryPlan model = model(10, 0, 784, 128, 34);
    BoardPlan plan = BoardPlan.of(NRF, model);
    BoardPlan.Ram ram = plan.ram();

    assertEquals(model.weightBytes(), ram.weights());
    assertEquals(model.biasBytes(), ram.biases());
    assertEquals(model.activationBytes(), ram.activations());
    assertEquals(model.noiseBytes(), ram.noise());
    assertEquals(model.bookkeepingBytes(), ram.bookkeeping());
    assertEquals(model.ioBufferBytes(), ram.ioBuffers());
    assertEquals(MemoryPlan.FIXED_BYTES, ram.runtimeFixed());
    assertEquals(
        model.ramBytes(),
        ram.weights()
            + ram.biases()
            + ram.activations()
            + ram.noise()
            + ram.bookkeeping()
            + ram.ioBuffers()
            + ram.runtimeFixed());
    assertEquals(1024 + 256, ram.protocolBuffers());
    // The agent's 64 records of telemetry: each slot the longest DATA message of two layers.
    assertEquals(64 * DeviceAgent.recordSlotBytes(2) + 64 * 4, ram.telemetryBuffer());
    assertEquals(NRF.reservedRamBytes(), ram.system());
    // The embedded JVM: 12 bytes on each array (the runtime's and the telemetry buffer's two), 8 on
    // each object, its engine, stack and objects.
    assertEquals(12L * (model.arrayCount() + 2) + 8L * model.objectCount(), ram.vmHeaders());
    assertEquals(NRF.jvm().fixedBytes(), ram.vmObjects() + ram.vmStatic() + ram.stack());
    assertEquals(
        model.ramBytes() + 1280 + ram.telemetryBuffer() + ram.vmHeaders() + NRF.jvm().fixedBytes(),
        ram.device());
    assertEquals(ram.device() + NRF.reservedRamBytes(), ram.total());
    assertEquals(256 * 1024, ram.capacity());

    // the largest image of the model: with input statistics
    int image = ModelImage.imageSize(784, 10, new int[] {128, 34}, 2, ModelImage.FLAG_INPUT_STATISTICS);
    assertEquals(image, plan.flash().image());
    assertEquals((image + 80 + 4095) / 4096 * 4096, plan.flash().slot(), "image and checkpoint header");
    assertEquals(plan.flash().slot(), plan.flash().checkpoint());
    assertEquals(NRF.reservedFlashBytes() + 3 * plan.flash().slot(), plan.flash().total());
    assertEquals(model.backpropBytes(), plan.backprop().model());
    assertEquals(
        model.backpropBytes() + ram.total() - model.arenaBytes(), plan.backprop().total());
    assertEquals("784-128-34", plan.model());
    assertEquals("nrf52840", plan.board());
  }

  @Test
  void aLargeModelDoesNotFitAnNrf52840ButASmallOneDoes() {
    BoardPlan large = BoardPlan.of(NRF, model(10, 0, 784, 1000, 34));
    BoardPlan small = BoardPlan.of(NRF, model(10, 0, 784, 96, 34));

    // 784 x 1000 + 1000 x 34 weights at 16 bits: 1.6 MB.
    assertEquals(2L * (784 * 1000 + 1000 * 34), large.ram().weights());
    assertFalse(large.fits());
    assertFalse(large.ram().fits());
    assertFalse(large.flash().fits());
    assertTrue(large.reason().startsWith("RAM: needs "), large.reason());
    assertTrue(large.reason().contains("flash: needs "), large.reason());

    assertTrue(small.fits(), small.reason());
    assertNull(small.reason());
    assertTrue(small.ram().total() <= small.ram().capacity());
  }

  @Test
  void freezingMovesWeightsFromRamToFlashAndSkipsTheirUpdate() {
    BoardProfile esp32 = BOARDS.byId("esp32");
    BoardPlan trained = BoardPlan.of(esp32, model(10, 0, 784, 128, 34));
    BoardPlan frozen = BoardPlan.of(esp32, model(10, 1, 784, 128, 34));
    long layer0Weights = 2L * 784 * 128;

    assertEquals(trained.ram().weights() - layer0Weights, frozen.ram().weights());
    // the frozen layer's 392 weight rows leave the row table too, and their 12-byte array headers
    assertEquals(trained.ram().total() - layer0Weights - 16L * 392, frozen.ram().total());
    long priors = 2L * 10 * (128 + 34);
    assertEquals(priors, trained.flash().readInPlace());
    assertEquals(2L * 784 * 128 + priors, frozen.flash().readInPlace());
    assertEquals(
        trained.flash().total(), frozen.flash().total(), "frozen weights stay in the image");
    assertFalse(trained.fits(), "784-128-34 does not fit the ESP32's DRAM");
    assertTrue(frozen.fits(), frozen.reason());

    assertTrue(frozen.layers().get(0).frozen());
    assertEquals(0, frozen.layers().get(0).updateMacs());
    assertEquals(trained.time().inferenceMacs(), frozen.time().inferenceMacs());
    assertEquals(trained.time().trainMacs() - (784L * 128 + 128), frozen.time().trainMacs());
  }

  @Test
  void macsAndTimeFollowTheLayerShapes() {
    BoardPlan plan = BoardPlan.of(NRF, model(10, 0, 784, 128, 34));
    BoardPlan.Layer first = plan.layers().get(0);
    BoardPlan.Layer second = plan.layers().get(1);

    assertEquals(784L * 128 + 10 * 128, first.forwardMacs());
    assertEquals(784L * 128 + 128, first.updateMacs());
    assertEquals(128L * 34 + 10 * 34, second.forwardMacs());
    assertEquals(128L * 34 + 34, second.updateMacs());
    long forward = first.forwardMacs() + second.forwardMacs();
    long train = forward + first.updateMacs() + second.updateMacs();
    assertEquals(forward, plan.time().inferenceMacs());
    assertEquals(train, plan.time().trainMacs());
    assertEquals(1000.0 * train / (0.6 * 64e6), plan.time().trainStepMillis(), 1e-9);
    assertEquals(1000.0 * forward / (0.6 * 64e6), plan.time().inferenceMillis(), 1e-9);
  }

  @Test
  void imageSlotsAreRoundedUpToWholeSectors() {
    BoardPlan plan = BoardPlan.of(BOARDS.byId("stm32f746"), model(10, 0, 784, 128, 34));

    assertEquals(256 * 1024, plan.flash().slot());
    assertEquals(1024 * 1024, plan.flash().total(), "firmware sectors plus three 256 KB sectors");
    assertTrue(plan.flash().fits());
  }

  @Test
  void backpropagationKeepsEveryLayersActivations() {
    BoardPlan plan = BoardPlan.of(NRF, model(10, 0, 784, 128, 34));
    // Backpropagation has no priors or noise but keeps each layer's input and pre-activation.
    assertEquals(plan.backprop().total() <= NRF.sramBytes(), plan.backprop().fits());
    assertTrue(plan.backprop().model() > plan.ram().weights());
  }

  @Test
  void theAgentFirmwareTargetAddsTheAgentsBuffersRingStaticsAndStack() {
    MemoryPlan model = model(10, 0, 784, 96, 34);
    BoardPlan.Ram plain = BoardPlan.of(NRF, model, BoardPlan.Target.FIRMWARE).ram();
    BoardPlan.Ram agent = BoardPlan.of(NRF, model, BoardPlan.Target.FIRMWARE_AGENT).ram();
    long javaHeap = FirmwareMemory.agentHeapBytes(model, 784);

    assertEquals(FirmwareMemory.agentBytes(model), agent.protocolBuffers() + agent.telemetryBuffer());
    assertEquals(javaHeap, model.ramBytes() + agent.firmwareBuffers() + agent.vmHeaders() + agent.vmObjects()
        + agent.protocolBuffers() + agent.telemetryBuffer());
    assertEquals(FirmwareOverhead.AGENT_DATA_BYTES + FirmwareOverhead.AGENT_BSS_BYTES, agent.vmStatic());
    assertEquals(FirmwareOverhead.mallocBytes(javaHeap) + FirmwareOverhead.AGENT_MALLOC_BYTES + agent.vmStatic()
        + agent.stack(), agent.device());
    // The RAM the agent firmware is told it uses (and reports) is the plan's.
    assertEquals(agent.device(), FirmwareOverhead.agentRamBytes(FirmwareOverhead.agentLayout(NRF, model, 10_000, 784)));
    assertTrue(agent.device() > plain.device());
  }

  @Test
  void theFirmwareTargetCountsTeaVmsHeadersHeapStaticsAndStack() {
    MemoryPlan model = model(10, 0, 784, 96, 34);
    BoardPlan.Ram ram = BoardPlan.of(NRF, model, BoardPlan.Target.FIRMWARE).ram();
    long javaHeap = FirmwareMemory.javaHeapBytes(model, 784);

    assertEquals(0, ram.protocolBuffers() + ram.telemetryBuffer(), "the plain firmware carries no fleet agent");
    assertEquals(javaHeap, model.ramBytes() + ram.firmwareBuffers() + ram.vmHeaders()
        + ram.vmObjects());
    assertEquals(FirmwareOverhead.mallocBytes(javaHeap) - javaHeap, ram.vmHeap());
    assertEquals(FirmwareOverhead.DATA_BYTES + FirmwareOverhead.BSS_BYTES, ram.vmStatic());
    assertEquals(FirmwareOverhead.STACK_BYTES, ram.stack());
    assertEquals(FirmwareOverhead.mallocBytes(javaHeap) + ram.vmStatic() + ram.stack(),
        ram.device());
    assertEquals(ram.device() + NRF.reservedRamBytes(), ram.total());
    assertTrue(ram.fits(), "784-96-34 trains on an nRF52840 as firmware");
  }

  @Test
  void theLargestModelFitsAndOneUnitMoreDoesNot() {
    for (BoardPlan.Target target : BoardPlan.Target.values()) {
      for (int hidden = 1; hidden <= 2; hidden++) {
        int width = LargestModel.hiddenWidth(NRF, target, 784, 34, 10, hidden);
        assertTrue(BoardPlan.of(NRF, LargestModel.shape(784, 34, 10, hidden, width), target).fits());
        assertFalse(
            BoardPlan.of(NRF, LargestModel.shape(784, 34, 10, hidden, width + 1), target).fits());
      }
    }
    assertTrue(
        LargestModel.hiddenWidth(NRF, BoardPlan.Target.FIRMWARE, 784, 34, 10, 1) >= 96,
        "the issue's floor: an nRF52840 trains at least 784-96-34");
  }

  @Test
  void aPlanWithoutAShapeIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> BoardPlan.of(NRF, new MemoryPlan()));
  }
}
