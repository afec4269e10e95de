package dev.spela.subset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Applies every {@link Rule} to one class. Annotations, generic signatures and attributes such as
 * InnerClasses are metadata the device VM does not link, so they are not inspected.
 */
final class ClassInspection {

  /** The descriptor of dev.spela.protocols.subset.InitPhase (a device module; no dependency). */
  static final String INIT_PHASE = "Ldev/spela/protocols/subset/InitPhase;";

  private static final int JAVA_8_MAJOR = 52;
  private static final String[] JDK_PACKAGES = {"java/", "javax/", "sun/", "jdk/"};
  private static final String ALLOCATION_PLACES =
      " outside a constructor, static initialiser or @InitPhase method";

  private final Allowlist allowlist;
  private final String className;
  private final Set<Violation> found = new LinkedHashSet<>();
  private String member = "";
  private int line = Violation.NO_LINE;

  private ClassInspection(Allowlist allowlist, String className) {
    this.allowlist = allowlist;
    this.className = className;
  }

  /** Every violation in the class, in the order met; identical reports are listed once. */
  static List<Violation> inspect(ClassNode node, Allowlist allowlist) {
    ClassInspection inspection = new ClassInspection(allowlist, node.name.replace('/', '.'));
    inspection.inspectClass(node);
    return new ArrayList<>(inspection.found);
  }

  private void inspectClass(ClassNode node) {
    int major = node.version & 0xFFFF;
    if (major > JAVA_8_MAJOR) {
      report(
          Rule.CLASS_VERSION,
          "class file version "
              + major
              + " (Java "
              + (major - 44)
              + "); device classes must be version 52 (Java 8) or older");
    }
    if (node.superName != null) {
      checkType(Type.getObjectType(node.superName), "superclass");
    }
    for (String name : node.interfaces) {
      checkType(Type.getObjectType(name), "interface");
    }
    for (FieldNode field : node.fields) {
      member = field.name + ":" + field.desc;
      checkType(Type.getType(field.desc), "field type");
    }
    for (MethodNode method : node.methods) {
      inspectMethod(method);
    }
  }

  private void inspectMethod(MethodNode method) {
    member = method.name + method.desc;
    Lines lines = new Lines(method.instructions);
    line = lines.first();
    checkMethodDescriptor(method.desc);
    for (String exception : method.exceptions) {
      checkType(Type.getObjectType(exception), "declared exception");
    }
    boolean mayAllocate =
        method.name.equals("<init>") || method.name.equals("<clinit>") || isInitPhase(method);
    for (AbstractInsnNode insn : method.instructions) {
      line = lines.at(insn);
      inspectInstruction(insn, mayAllocate);
    }
    for (TryCatchBlockNode block : method.tryCatchBlocks) {
      if (block.type != null) {
        line = lines.at(block.handler);
        checkType(Type.getObjectType(block.type), "catch type");
      }
    }
    if (method.localVariables != null) {
      for (LocalVariableNode local : method.localVariables) {
        line = lines.at(local.start);
        checkType(Type.getType(local.desc), "local variable " + local.name + ": type");
      }
    }
  }

  private static boolean isInitPhase(MethodNode method) {
    if (method.invisibleAnnotations != null) {
      for (AnnotationNode annotation : method.invisibleAnnotations) {
        if (annotation.desc.equals(INIT_PHASE)) {
          return true;
        }
      }
    }
    return false;
  }

  private void inspectInstruction(AbstractInsnNode insn, boolean mayAllocate) {
    FloatingPointOpcode floating = FloatingPointOpcode.of(insn.getOpcode());
    if (floating != null) {
      report(Rule.FLOATING_POINT, "opcode " + floating + " works on float or double");
    }
    if (insn instanceof MethodInsnNode call) {
      checkMember(call.owner, call.name, call.desc, true);
    } else if (insn instanceof FieldInsnNode access) {
      checkMember(access.owner, access.name, access.desc, false);
    } else if (insn instanceof TypeInsnNode typeInsn) {
      inspectTypeInstruction(typeInsn, mayAllocate);
    } else if (insn instanceof IntInsnNode intInsn && intInsn.getOpcode() == Opcodes.NEWARRAY) {
      String element = primitiveArrayElement(intInsn.operand);
      if (element.equals("float") || element.equals("double")) {
        report(Rule.FLOATING_POINT, "new " + element + "[]");
      }
      checkAllocation(mayAllocate, "new " + element + "[]");
    } else if (insn instanceof MultiANewArrayInsnNode multi) {
      Type array = Type.getType(multi.desc);
      checkType(array, "new array of");
      checkAllocation(mayAllocate, "new " + array.getClassName());
    } else if (insn instanceof LdcInsnNode ldc) {
      inspectConstant(ldc.cst);
    } else if (insn instanceof InvokeDynamicInsnNode dynamic) {
      report(
          Rule.INVOKEDYNAMIC,
          "invokedynamic "
              + dynamic.name
              + dynamic.desc
              + " bootstrapped by "
              + dynamic.bsm.getOwner()
              + "."
              + dynamic.bsm.getName()
              + bootstrapHint(dynamic.bsm));
    }
  }

  private void inspectTypeInstruction(TypeInsnNode insn, boolean mayAllocate) {
    Type type = Type.getObjectType(insn.desc);
    switch (insn.getOpcode()) {
      case Opcodes.NEW -> {
        checkType(type, "new");
        checkAllocation(mayAllocate, "new " + type.getClassName());
      }
      case Opcodes.ANEWARRAY -> {
        checkType(type, "new array of");
        checkAllocation(mayAllocate, "new " + type.getClassName() + "[]");
      }
      case Opcodes.CHECKCAST -> checkType(type, "cast to");
      default -> checkType(type, "instanceof");
    }
  }

  private void inspectConstant(Object constant) {
    if (constant instanceof Float || constant instanceof Double) {
      report(Rule.FLOATING_POINT, "floating-point constant " + constant);
    } else if (constant instanceof String) {
      checkType(Type.getType(String.class), "string constant of type");
    } else if (constant instanceof Type type) {
      if (type.getSort() == Type.METHOD) {
        report(Rule.INVOKEDYNAMIC, "method type constant " + type.getDescriptor());
      } else {
        checkType(type, "class constant");
      }
    } else if (constant instanceof Handle handle) {
      report(
          Rule.INVOKEDYNAMIC,
          "method handle constant " + handle.getOwner() + "." + handle.getName() + handle.getDesc());
    } else if (constant instanceof ConstantDynamic dynamic) {
      report(Rule.INVOKEDYNAMIC, "dynamic constant " + dynamic.getName() + ":" + dynamic.getDescriptor());
    }
  }

  private static String bootstrapHint(Handle bootstrap) {
    return switch (bootstrap.getOwner()) {
      case "java/lang/invoke/LambdaMetafactory" -> " (a lambda or method reference)";
      case "java/lang/invoke/StringConcatFactory" -> " (string concatenation)";
      default -> "";
    };
  }

  /**
   * A method call or field access: JDK members must be allowlisted (a method of an array type is
   * a method of Object); any other member's descriptor is checked type by type.
   */
  private void checkMember(String owner, String name, String descriptor, boolean isMethod) {
    String separator = isMethod ? "" : ":";
    String verb = isMethod ? "call to " : "access to ";
    String declaringClass = owner.startsWith("[") ? "java/lang/Object" : owner;
    String reference = declaringClass + "." + name + separator + descriptor;
    if (isJdk(declaringClass)) {
      if (!allowlist.allowsMember(reference)) {
        report(Rule.JDK_API, verb + reference + " is not in the allowlist");
      }
    } else {
      for (Type type : descriptorTypes(descriptor, isMethod)) {
        checkJdkType(type, verb + reference + ": type");
      }
    }
    boolean floating = isFloatingPoint(Type.getObjectType(owner));
    for (Type type : descriptorTypes(descriptor, isMethod)) {
      floating |= isFloatingPoint(type);
    }
    if (floating) {
      report(Rule.FLOATING_POINT, verb + owner + "." + name + separator + descriptor + " uses float or double");
    }
  }

  private static List<Type> descriptorTypes(String descriptor, boolean isMethod) {
    if (!isMethod) {
      return List.of(Type.getType(descriptor));
    }
    List<Type> types = new ArrayList<>(List.of(Type.getArgumentTypes(descriptor)));
    types.add(Type.getReturnType(descriptor));
    return types;
  }

  private void checkMethodDescriptor(String descriptor) {
    for (Type parameter : Type.getArgumentTypes(descriptor)) {
      checkType(parameter, "parameter type");
    }
    checkType(Type.getReturnType(descriptor), "return type");
  }

  /** Both type rules: JDK types must be allowlisted, and no float or double. */
  private void checkType(Type type, String context) {
    checkJdkType(type, context);
    if (isFloatingPoint(type)) {
      report(Rule.FLOATING_POINT, context + " " + type.getClassName() + " is floating point");
    }
  }

  private void checkJdkType(Type type, String context) {
    Type element = type.getSort() == Type.ARRAY ? type.getElementType() : type;
    if (element.getSort() == Type.OBJECT
        && isJdk(element.getInternalName())
        && !allowlist.allowsType(element.getInternalName())) {
      report(Rule.JDK_API, context + " " + element.getInternalName() + " is not in the allowlist");
    }
  }

  private void checkAllocation(boolean mayAllocate, String what) {
    if (!mayAllocate) {
      report(Rule.ALLOCATION, what + ALLOCATION_PLACES);
    }
  }

  private static boolean isFloatingPoint(Type type) {
    Type element = type.getSort() == Type.ARRAY ? type.getElementType() : type;
    return switch (element.getSort()) {
      case Type.FLOAT, Type.DOUBLE -> true;
      case Type.OBJECT -> element.getInternalName().equals("java/lang/Float")
          || element.getInternalName().equals("java/lang/Double");
      default -> false;
    };
  }

  private static boolean isJdk(String internalName) {
    for (String prefix : JDK_PACKAGES) {
      if (internalName.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static String primitiveArrayElement(int operand) {
    return switch (operand) {
      case Opcodes.T_BOOLEAN -> "boolean";
      case Opcodes.T_CHAR -> "char";
      case Opcodes.T_FLOAT -> "float";
      case Opcodes.T_DOUBLE -> "double";
      case Opcodes.T_BYTE -> "byte";
      case Opcodes.T_SHORT -> "short";
      case Opcodes.T_INT -> "int";
      case Opcodes.T_LONG -> "long";
      default -> throw new IllegalArgumentException("NEWARRAY with unknown element type " + operand);
    };
  }

  private void report(Rule rule, String detail) {
    found.add(new Violation(className, member, line, rule, detail));
  }

  /** The source line of each instruction of a method, from its LineNumberTable. */
  private static final class Lines {
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

    int first() {
      return first;
    }

    int at(AbstractInsnNode insn) {
      return byIndex[instructions.indexOf(insn)];
    }
  }
}
