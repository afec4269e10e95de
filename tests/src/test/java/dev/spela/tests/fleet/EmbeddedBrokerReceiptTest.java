package dev.spela.tests.fleet;

import java.nio.file.Path;

/** Receipts end to end, on the embedded HiveMQ CE broker that spela broker runs. */
class EmbeddedBrokerReceiptTest extends ReceiptScenarios {
  @Override
  TestBroker broker(Path dir) throws Exception {
    return TestBroker.embedded();
  }
}
