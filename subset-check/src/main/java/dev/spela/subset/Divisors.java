package dev.spela.subset;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Shows integer divisors non-zero, one method at a time (EMBEDDED-JAVA-SUBSET.md, "EXCEPTION"). A
 * divisor is shown non-zero if it is a non-zero constant, or a local variable (possibly widened
 * to long) that holds a non-zero value on every path to the division. A local is known non-zero
 * after a comparison with a constant that excludes 0 (on the branch where it holds: {@code if (n
 * <= 0) return} or {@code n != 0 ? a / n : 0}), or after being assigned a non-zero constant or
 * another known non-zero local; any other assignment forgets it. Only a comparison whose operands
 * are loaded right before it, in the same basic block, counts.
 */
final class Divisors {

  private final AbstractInsnNode[] code;
  private final Map<LabelNode, Integer> index = new HashMap<>();
  private final BitSet jumpTargets = new BitSet();
  private final BitSet[] known;
  private final Deque<Integer> pending = new ArrayDeque<>();

  private Divisors(MethodNode method) {
    code = method.instructions.toArray();
    known = new BitSet[code.length];
    for (int i = 0; i < code.length; i++) {
      if (code[i] instanceof LabelNode label) {
        index.put(label, i);
      }
    }
    for (AbstractInsnNode insn : code) {
      for (LabelNode label : targets(insn)) {
        jumpTargets.set(index.get(label));
      }
    }
    for (TryCatchBlockNode block : method.tryCatchBlocks) {
      jumpTargets.set(index.get(block.handler));
    }
  }

  /** The integer divisions and remainders of the method whose divisor is not shown non-zero. */
  static List<AbstractInsnNode> unproven(MethodNode method) {
    List<AbstractInsnNode> found = new ArrayList<>();
    if (method.instructions.size() == 0) {
      return found;
    }
    Divisors analysis = new Divisors(method);
    analysis.run(method);
    for (int i = 0; i < analysis.code.length; i++) {
      int opcode = analysis.code[i].getOpcode();
      boolean division =
          opcode == Opcodes.IDIV
              || opcode == Opcodes.LDIV
              || opcode == Opcodes.IREM
              || opcode == Opcodes.LREM;
      // A division no path reaches cannot run; any other needs its divisor shown non-zero.
      if (division && analysis.known[i] != null && !analysis.nonZero(i, analysis.known[i])) {
        found.add(analysis.code[i]);
      }
    }
    return found;
  }

  private void run(MethodNode method) {
    merge(0, new BitSet());
    for (TryCatchBlockNode block : method.tryCatchBlocks) {
      merge(index.get(block.handler), new BitSet()); // nothing is known in a handler
    }
    while (!pending.isEmpty()) {
      int i = pending.poll();
      step(i, known[i]);
    }
  }

  private void step(int i, BitSet state) {
    AbstractInsnNode insn = code[i];
    int opcode = insn.getOpcode();
    if (insn instanceof VarInsnNode store
        && (opcode == Opcodes.ISTORE || opcode == Opcodes.LSTORE)) {
      BitSet after = (BitSet) state.clone();
      after.set(store.var, nonZero(i, state));
      merge(i + 1, after);
    } else if (insn instanceof IincInsnNode increment) {
      BitSet after = (BitSet) state.clone();
      after.clear(increment.var);
      merge(i + 1, after);
    } else if (insn instanceof JumpInsnNode jump) {
      int target = index.get(jump.label);
      if (opcode == Opcodes.GOTO) {
        merge(target, state);
      } else {
        BitSet taken = (BitSet) state.clone();
        BitSet fallThrough = (BitSet) state.clone();
        refine(i, opcode, taken, fallThrough);
        merge(target, taken);
        merge(i + 1, fallThrough);
      }
    } else if (insn instanceof TableSwitchInsnNode || insn instanceof LookupSwitchInsnNode) {
      for (LabelNode label : targets(insn)) {
        merge(index.get(label), state);
      }
    } else if (!(opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN)
        && opcode != Opcodes.ATHROW) {
      merge(i + 1, state);
    }
  }

  private void merge(int i, BitSet state) {
    if (i >= code.length) {
      return;
    }
    if (known[i] == null) {
      known[i] = (BitSet) state.clone();
      pending.add(i);
    } else {
      BitSet both = (BitSet) known[i].clone();
      both.and(state);
      if (!both.equals(known[i])) {
        known[i] = both;
        pending.add(i);
      }
    }
  }

  /** {@code local OP constant}, OP numbered as IFEQ .. IFLE: ==, !=, <, >=, >, <=. */
  private record Comparison(int local, long constant, int op) {}

  /**
   * Learns from a conditional jump that compares a local with a constant: the local is non-zero on
   * the edge where 0 cannot satisfy the outcome.
   */
  private void refine(int i, int opcode, BitSet taken, BitSet fallThrough) {
    Comparison comparison = null;
    int operand = previous(i);
    if (opcode >= Opcodes.IFEQ && opcode <= Opcodes.IFLE && operand >= 0) {
      int op = opcode - Opcodes.IFEQ;
      if (code[operand].getOpcode() == Opcodes.LCMP) {
        comparison = localAgainstConstant(previous(operand), Opcodes.LLOAD, op);
      } else if (load(code[operand], Opcodes.ILOAD) >= 0) {
        comparison = new Comparison(load(code[operand], Opcodes.ILOAD), 0, op);
      }
    } else if (opcode >= Opcodes.IF_ICMPEQ && opcode <= Opcodes.IF_ICMPLE) {
      comparison = localAgainstConstant(operand, Opcodes.ILOAD, opcode - Opcodes.IF_ICMPEQ);
    }
    if (comparison != null) {
      boolean zeroSatisfies = holds(comparison.op(), 0, comparison.constant());
      (zeroSatisfies ? fallThrough : taken).set(comparison.local());
    }
  }

  /**
   * The comparison of the two values pushed by the instruction before {@code second} and by
   * {@code second}, if one is a load ({@code loadOpcode}) of a local and the other a constant.
   */
  private Comparison localAgainstConstant(int second, int loadOpcode, int op) {
    int first = second < 0 ? -1 : previous(second);
    if (first < 0) {
      return null;
    }
    if (load(code[first], loadOpcode) >= 0 && constant(code[second]) != null) {
      return new Comparison(load(code[first], loadOpcode), constant(code[second]), op);
    }
    if (constant(code[first]) != null && load(code[second], loadOpcode) >= 0) {
      return new Comparison(load(code[second], loadOpcode), constant(code[first]), mirror(op));
    }
    return null;
  }

  // Comparisons in the order of IFEQ .. IFLE: ==, !=, <, >=, >, <=.
  private static boolean holds(int comparison, long a, long b) {
    return switch (comparison) {
      case 0 -> a == b;
      case 1 -> a != b;
      case 2 -> a < b;
      case 3 -> a >= b;
      case 4 -> a > b;
      default -> a <= b;
    };
  }

  /** {@code c OP x} as {@code x OP' c}. */
  private static int mirror(int comparison) {
    return switch (comparison) {
      case 2 -> 4;
      case 3 -> 5;
      case 4 -> 2;
      case 5 -> 3;
      default -> comparison;
    };
  }

  /**
   * Whether the value on top of the stack before instruction i is shown non-zero: a non-zero
   * constant or a known non-zero local, possibly widened from int to long.
   */
  private boolean nonZero(int i, BitSet state) {
    int producer = previous(i);
    if (producer >= 0 && code[producer].getOpcode() == Opcodes.I2L) {
      producer = previous(producer);
    }
    if (producer < 0) {
      return false;
    }
    Long value = constant(code[producer]);
    if (value != null) {
      return value != 0;
    }
    int local = load(code[producer], -1);
    return local >= 0 && state.get(local);
  }

  /**
   * The index of the instruction before i in the same basic block (line numbers, frames and labels
   * that nothing jumps to are skipped), or -1.
   */
  private int previous(int i) {
    for (int k = i - 1; k >= 0; k--) {
      if (jumpTargets.get(k)) {
        return -1;
      }
      if (code[k].getOpcode() >= 0) {
        return k;
      }
    }
    return -1;
  }

  /** The local an ILOAD or LLOAD reads ({@code opcode} -1: either), or -1. */
  private static int load(AbstractInsnNode insn, int opcode) {
    boolean matches =
        opcode < 0
            ? insn.getOpcode() == Opcodes.ILOAD || insn.getOpcode() == Opcodes.LLOAD
            : insn.getOpcode() == opcode;
    return matches ? ((VarInsnNode) insn).var : -1;
  }

  /** The int or long constant an instruction pushes, or null. */
  private static Long constant(AbstractInsnNode insn) {
    int opcode = insn.getOpcode();
    if (opcode >= Opcodes.ICONST_M1 && opcode <= Opcodes.ICONST_5) {
      return (long) (opcode - Opcodes.ICONST_0);
    }
    if (opcode == Opcodes.LCONST_0 || opcode == Opcodes.LCONST_1) {
      return (long) (opcode - Opcodes.LCONST_0);
    }
    if (opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH) {
      return (long) ((IntInsnNode) insn).operand;
    }
    if (insn instanceof LdcInsnNode ldc) {
      if (ldc.cst instanceof Integer value) {
        return (long) value;
      }
      if (ldc.cst instanceof Long value) {
        return value;
      }
    }
    return null;
  }

  /** The labels a jump or switch instruction can go to (none for any other instruction). */
  static List<LabelNode> targets(AbstractInsnNode insn) {
    List<LabelNode> labels = new ArrayList<>();
    if (insn instanceof JumpInsnNode jump) {
      labels.add(jump.label);
    } else if (insn instanceof TableSwitchInsnNode table) {
      labels.add(table.dflt);
      labels.addAll(table.labels);
    } else if (insn instanceof LookupSwitchInsnNode lookup) {
      labels.add(lookup.dflt);
      labels.addAll(lookup.labels);
    }
    return labels;
  }
}
