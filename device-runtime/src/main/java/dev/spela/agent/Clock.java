package dev.spela.agent;

/** The agent's clock port: the times messages carry and step timing. */
public interface Clock {

  /**
   * Milliseconds since the Unix epoch if the device has a wall clock ({@link
   * AgentConfig#wallClock}), else since it booted: BIRTH's and DATA's {@code deviceTimeMs}.
   */
  long millis();

  /** A monotonic microsecond count, for the time training steps take. */
  long micros();
}
