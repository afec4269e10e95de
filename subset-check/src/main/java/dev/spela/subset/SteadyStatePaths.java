package dev.spela.subset;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The whole-program rules: follows every call from the steady-state entry points through the
 * program (class hierarchy analysis for virtual and interface calls) and reports, with the call
 * chain, every path to an allocation, to an {@code @InitPhase} method, to the initialisation of a
 * class whose static initialiser allocates and that is not forced at initialisation, or to an
 * operation that makes the VM allocate an exception. Each method is reported on the shortest path
 * that reaches it.
 */
final class SteadyStatePaths {

  /** A call from one method to another, at a line of the caller. */
  private record Call(Program.Method caller, int line) {}

  /** A call to a method, at a line of the caller. */
  private record Edge(Program.Method callee, int line) {}

  /** A place where a method initialises a class (or, for a static entry point, its first line). */
  private record Trigger(Program.Method method, int line, String initialised) {}

  private final Program program;
  private final Marks marks;
  private final ClassInitialisation initialisation;
  private final List<Violation> found = new ArrayList<>();
  private final Map<Program.Method, Call> shortest = new LinkedHashMap<>();
  private final Map<Program.Method, List<Edge>> edges = new HashMap<>();
  private final List<Trigger> triggers = new ArrayList<>();

  SteadyStatePaths(Program program, Marks marks) {
    this.program = program;
    this.marks = marks;
    this.initialisation = new ClassInitialisation(program);
  }

  /**
   * The program methods a call can run: the resolved method, or for virtual and interface calls
   * every method a program class selects; methods without code and JDK methods are left out.
   */
  static List<Program.Method> targets(Program program, MethodInsnNode call) {
    String owner = call.owner.startsWith("[") ? "java/lang/Object" : call.owner;
    Program.Method resolved = program.resolveMethod(owner, call.name, call.desc);
    List<Program.Method> targets = new ArrayList<>();
    if (resolved == null) {
      return targets;
    }
    boolean virtual =
        call.getOpcode() == Opcodes.INVOKEVIRTUAL || call.getOpcode() == Opcodes.INVOKEINTERFACE;
    for (Program.Method target : virtual ? program.dispatch(resolved, owner) : List.of(resolved)) {
      if (program.defines(target.ownerName()) && !target.isAbstractOrNative()) {
        targets.add(target);
      }
    }
    return targets;
  }

  /**
   * Reports every violation on paths from the entry points.
   *
   * @return for each method a steady-state path reaches, its chain (see {@link Violation#chain})
   */
  Map<Program.Method, List<String>> analyse(List<Program.Method> entries) {
    ArrayDeque<Program.Method> queue = new ArrayDeque<>();
    for (Program.Method entry : entries) {
      reach(entry, null, queue);
      if (entry.isStatic()) {
        triggers.add(new Trigger(entry, firstLine(entry), entry.ownerName()));
      } else if (!entry.isPrivate()) {
        for (Program.Method override : program.dispatch(entry, entry.ownerName())) {
          if (!override.equals(entry)
              && program.defines(override.ownerName())
              && !override.isAbstractOrNative()) {
            addCall(entry, override, Violation.NO_LINE);
            reach(override, new Call(entry, Violation.NO_LINE), queue);
          }
        }
      }
    }
    while (!queue.isEmpty()) {
      visit(queue.poll(), queue);
    }
    Map<Program.Method, List<String>> chains = new LinkedHashMap<>();
    for (Program.Method method : shortest.keySet()) {
      chains.put(method, chain(method, shortest));
    }
    reportLazyInitialisation(entries);
    return chains;
  }

  /** The violations found by {@link #analyse}. */
  List<Violation> violations() {
    return found;
  }

  private void reach(Program.Method method, Call from, ArrayDeque<Program.Method> queue) {
    if (!shortest.containsKey(method)) {
      shortest.put(method, from);
      if (method.node().instructions.size() > 0) {
        queue.add(method);
      }
    }
  }

  private void visit(Program.Method method, ArrayDeque<Program.Method> queue) {
    Lines lines = new Lines(method.node().instructions);
    Set<AbstractInsnNode> divisions = new LinkedHashSet<>(Divisors.unproven(method.node()));
    for (AbstractInsnNode insn : method.node().instructions) {
      int line = lines.at(insn);
      String initialised = initialisation.initialisedBy(insn);
      // NEW is an allocation anyway; a class and its superclasses are initialised before any of
      // its methods run.
      if (initialised != null
          && !(insn instanceof TypeInsnNode)
          && !isClassOrSuperclass(initialised, method.ownerName())) {
        triggers.add(new Trigger(method, line, initialised));
      }
      if (insn instanceof LdcInsnNode ldc && ldc.cst instanceof String text) {
        report(method, line, Rule.ALLOCATION, stringConstant(text));
      } else if (insn instanceof MethodInsnNode call && !call.name.equals("<init>")) {
        // A constructor runs only after its NEW, which is reported as an allocation.
        for (Program.Method target : targets(program, call)) {
          if (marks.isInitPhase(target.node())) {
            report(method, line, Rule.INIT_PHASE, "calls @InitPhase method " + target.display());
          } else {
            addCall(method, target, line);
            reach(target, new Call(method, line), queue);
          }
        }
      } else if (divisions.contains(insn)) {
        report(
            method,
            line,
            Rule.EXCEPTION,
            divisionName(insn.getOpcode())
                + " by a divisor the check cannot show non-zero (ArithmeticException): divide by"
                + " a non-zero constant, or test the divisor against 0 first");
      } else {
        String exception = exceptionOf(insn);
        if (exception != null) {
          report(method, line, Rule.EXCEPTION, exception);
        }
      }
    }
  }

  private void addCall(Program.Method caller, Program.Method callee, int line) {
    edges.computeIfAbsent(caller, c -> new ArrayList<>()).add(new Edge(callee, line));
  }

  private static String divisionName(int opcode) {
    return switch (opcode) {
      case Opcodes.IDIV -> "IDIV";
      case Opcodes.LDIV -> "LDIV";
      case Opcodes.IREM -> "IREM";
      default -> "LREM";
    };
  }

  private static String stringConstant(String text) {
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return "string constant \"" + shown + "\" (the VM may create the String at its first use)";
  }

  /** The exception other than ArithmeticException the VM may allocate for an instruction. */
  private static String exceptionOf(AbstractInsnNode insn) {
    return switch (insn.getOpcode()) {
      case Opcodes.CHECKCAST ->
          "cast to "
              + Type.getObjectType(((TypeInsnNode) insn).desc).getClassName()
              + " (ClassCastException)";
      case Opcodes.AASTORE -> "store into an array of references (ArrayStoreException)";
      case Opcodes.ATHROW -> "throw: steady-state code reports failures as int status codes";
      default -> null;
    };
  }

  /**
   * CLASS_INIT: for each class whose initialisation allocates, a search from the entry points
   * that stops at methods running on an object whose construction forced the class; any place
   * still reached that initialises the class is reported.
   */
  private void reportLazyInitialisation(List<Program.Method> entries) {
    Set<String> allocating = new LinkedHashSet<>();
    for (Trigger trigger : triggers) {
      if (initialisation.allocationOnInit(trigger.initialised()) != null) {
        allocating.add(trigger.initialised());
      }
    }
    for (String className : allocating) {
      Map<Program.Method, Call> paths = new LinkedHashMap<>();
      ArrayDeque<Program.Method> queue = new ArrayDeque<>();
      for (Program.Method entry : entries) {
        if (shortest.containsKey(entry) && !forces(entry, className) && !paths.containsKey(entry)) {
          paths.put(entry, null);
          queue.add(entry);
        }
      }
      while (!queue.isEmpty()) {
        Program.Method method = queue.poll();
        for (Edge edge : edges.getOrDefault(method, List.of())) {
          if (!paths.containsKey(edge.callee()) && !forces(edge.callee(), className)) {
            paths.put(edge.callee(), new Call(method, edge.line()));
            queue.add(edge.callee());
          }
        }
      }
      for (Trigger trigger : triggers) {
        if (trigger.initialised().equals(className) && paths.containsKey(trigger.method())) {
          found.add(
              new Violation(
                  trigger.method().ownerName().replace('/', '.'),
                  trigger.method().name() + trigger.method().descriptor(),
                  trigger.line(),
                  Rule.CLASS_INIT,
                  "initialises "
                      + className.replace('/', '.')
                      + ", which allocates ("
                      + initialisation.allocationOnInit(className)
                      + ") and is not forced at initialisation: no object the path runs on"
                      + " initialised it when it was constructed",
                  chain(trigger.method(), paths)));
        }
      }
    }
  }

  private boolean isClassOrSuperclass(String candidate, String className) {
    for (String c = className; c != null; ) {
      if (c.equals(candidate)) {
        return true;
      }
      ClassNode node = program.get(c);
      c = node == null ? null : node.superName;
    }
    return false;
  }

  /** Whether the method runs on an object whose construction initialised the class. */
  private boolean forces(Program.Method method, String className) {
    return !method.isStatic()
        && initialisation.forcedByConstructing(method.ownerName()).contains(className);
  }

  private static int firstLine(Program.Method method) {
    return new Lines(method.node().instructions).first();
  }

  private void report(Program.Method method, int line, Rule rule, String detail) {
    found.add(
        new Violation(
            method.ownerName().replace('/', '.'),
            method.name() + method.descriptor(),
            line,
            rule,
            detail,
            chain(method, shortest)));
  }

  private static List<String> chain(Program.Method method, Map<Program.Method, Call> paths) {
    List<String> frames = new ArrayList<>();
    frames.add(method.display());
    for (Call call = paths.get(method); call != null; call = paths.get(call.caller())) {
      frames.add(
          0,
          call.caller().display()
              + (call.line() == Violation.NO_LINE ? "" : " [line " + call.line() + "]"));
    }
    return frames;
  }
}
