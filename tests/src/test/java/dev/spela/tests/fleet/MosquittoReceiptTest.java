package dev.spela.tests.fleet;

import java.nio.file.Path;

/** Receipts end to end, on a real Mosquitto 2 broker. */
class MosquittoReceiptTest extends ReceiptScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.mosquitto(dir);
  }
}
