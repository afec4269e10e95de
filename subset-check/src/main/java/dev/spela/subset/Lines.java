package dev.spela.subset;

import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;

/** The source line of each instruction of a method, from its LineNumberTable. */
final class Lines {
  private final InsnList instructions;
  private final int[] byIndex;
  private final int first;

  Lines(InsnList instructions) {
    this.instructions = instructions;
    Map<LabelNode, Integer> starts = new HashMap<>();
    int firstLine = Violation.NO_LINE;
    for (AbstractInsnNode insn : instructions) {
      if (insn instanceof LineNumberNode number) {
        starts.put(number.start, number.line);
        if (firstLine == Violation.NO_LINE) {
          firstLine = number.line;
        }
      }
    }
    byIndex = new int[instructions.size()];
    int current = Violation.NO_LINE;
    int index = 0;
    for (AbstractInsnNode insn : instructions) {
      if (insn instanceof LabelNode label && starts.containsKey(label)) {
        current = starts.get(label);
      }
      byIndex[index++] = current;
    }
    first = firstLine;
  }

  /** The method's first line, or {@link Violation#NO_LINE}. */
  int first() {
    return first;
  }

  int at(AbstractInsnNode insn) {
    return byIndex[instructions.indexOf(insn)];
  }
}
