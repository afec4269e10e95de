package dev.spela.agent;

/**
 * Where the agent reports what an operator should know, one event at a time (the adapter turns each
 * into one line of its log): an event code of {@link AgentEvent} and two numbers whose meaning the
 * code gives. Called on the agent's thread; must not block.
 */
public interface Reports {

  void report(int event, int first, int second);
}
