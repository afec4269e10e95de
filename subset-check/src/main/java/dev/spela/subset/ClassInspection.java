package dev.spela.subset;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Applies the rules that concern each class on its own (all but the steady-state ones, {@link
 * SteadyStatePaths}) to one class of the program. A type or member the program does not define is
 * judged by the {@link Allowlist}; one it defines, by resolving it in the program (so a call that
 * lands in an inherited JDK method is judged as that JDK method). Annotations, generic signatures
 * and attributes such as InnerClasses are metadata the device VM does not link, so they are not
 * inspected, except that the marks must be the project's own.
 */
final class ClassInspection {

  static final String ALLOCATION_PLACES =
      " outside a constructor, static initialiser or @InitPhase method";

  private static final int JAVA_8_MAJOR = 52;

  private final Program program;
  private final Marks marks;
  private final Allowlist allowlist;
  private final String className;
  private final Set<Violation> found = new LinkedHashSet<>();
  private String member = "";
  private int line = Violation.NO_LINE;

  private ClassInspection(Program program, Marks marks, Allowlist allowlist, String className) {
    this.program = program;
    this.marks = marks;
    this.allowlist = allowlist;
    this.className = className;
  }

  /** Every violation in the class, in the order met; identical reports are listed once. */
  static List<Violation> inspect(ClassNode node, Program program, Marks marks, Allowlist allowlist) {
    ClassInspection inspection =
        new ClassInspection(program, marks, allowlist, node.name.replace('/', '.'));
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
    checkVisibleMarks(node.visibleAnnotations);
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
    checkVisibleMarks(method.visibleAnnotations);
    checkMethodDescriptor(method.desc);
    for (String exception : method.exceptions) {
      checkType(Type.getObjectType(exception), "declared exception");
    }
    boolean mayAllocate =
        method.name.equals("<init>") || method.name.equals("<clinit>") || marks.isInitPhase(method);
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

  private void checkVisibleMarks(List<AnnotationNode> visible) {
    for (String mark : Marks.visibleLookAlikes(visible)) {
      report(
          Rule.MARK,
          "annotated with a look-alike of "
              + mark
              + ": it has runtime retention, the project's mark has class retention");
    }
  }

  private void inspectInstruction(AbstractInsnNode insn, boolean mayAllocate) {
    FloatingPointOpcode floating = FloatingPointOpcode.of(insn.getOpcode());
    if (floating != null) {
      report(Rule.FLOATING_POINT, "opcode " + floating + " works on float or double");
    }
    String allocated = allocation(insn);
    if (allocated != null && !mayAllocate) {
      report(Rule.ALLOCATION, allocated + ALLOCATION_PLACES);
    }
    if (insn instanceof MethodInsnNode call) {
      checkCall(call);
    } else if (insn instanceof FieldInsnNode access) {
      checkFieldAccess(access);
    } else if (insn instanceof TypeInsnNode typeInsn) {
      checkType(Type.getObjectType(typeInsn.desc), typeContext(typeInsn.getOpcode()));
    } else if (insn instanceof IntInsnNode intInsn && intInsn.getOpcode() == Opcodes.NEWARRAY) {
      String element = primitiveArrayElement(intInsn.operand);
      if (element.equals("float") || element.equals("double")) {
        report(Rule.FLOATING_POINT, "new " + element + "[]");
      }
    } else if (insn instanceof MultiANewArrayInsnNode multi) {
      checkType(Type.getType(multi.desc), "new array of");
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

  private static String typeContext(int opcode) {
    return switch (opcode) {
      case Opcodes.NEW -> "new";
      case Opcodes.ANEWARRAY -> "new array of";
      case Opcodes.CHECKCAST -> "cast to";
      default -> "instanceof";
    };
  }

  /** What an allocating instruction creates ({@code new int[]}), or null for any other. */
  static String allocation(AbstractInsnNode insn) {
    return switch (insn.getOpcode()) {
      case Opcodes.NEW -> "new " + Type.getObjectType(((TypeInsnNode) insn).desc).getClassName();
      case Opcodes.ANEWARRAY ->
          "new " + Type.getObjectType(((TypeInsnNode) insn).desc).getClassName() + "[]";
      case Opcodes.NEWARRAY -> "new " + primitiveArrayElement(((IntInsnNode) insn).operand) + "[]";
      case Opcodes.MULTIANEWARRAY ->
          "new " + Type.getType(((MultiANewArrayInsnNode) insn).desc).getClassName();
      default -> null;
    };
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
   * A call: on a class outside the program (an array's methods are Object's) the member must be
   * allowlisted; on a program class it must resolve, and every method it can run that a JDK class
   * declares (an inherited {@code hashCode}, say) must be allowlisted. Its descriptor's types are
   * checked either way.
   */
  private void checkCall(MethodInsnNode call) {
    String owner = call.owner.startsWith("[") ? "java/lang/Object" : call.owner;
    String reference = owner + "." + call.name + call.desc;
    if (!program.defines(owner)) {
      checkOutsideMember(owner, reference, "call to ");
    } else {
      Program.Method resolved = program.resolveMethod(owner, call.name, call.desc);
      if (resolved == null) {
        report(Rule.JDK_API, "call to " + reference + ": no such method in the checked classes");
      } else {
        List<Program.Method> targets =
            call.getOpcode() == Opcodes.INVOKEVIRTUAL || call.getOpcode() == Opcodes.INVOKEINTERFACE
                ? program.dispatch(resolved, owner)
                : List.of(resolved);
        for (Program.Method target : targets) {
          if (!program.defines(target.ownerName()) && !allowlist.allowsMember(target.reference())) {
            report(
                Rule.JDK_API,
                "call to "
                    + reference
                    + " runs "
                    + target.reference()
                    + ", which is not in the allowlist");
          }
        }
      }
      for (Type type : descriptorTypes(call.desc, true)) {
        checkOutsideType(type, "call to " + reference + ": type");
      }
    }
    checkFloatingPointMember(call.owner, reference, call.desc, true, "call to ");
  }

  /** A field access, judged as {@link #checkCall} judges calls. */
  private void checkFieldAccess(FieldInsnNode access) {
    String reference = access.owner + "." + access.name + ":" + access.desc;
    if (!program.defines(access.owner)) {
      checkOutsideMember(access.owner, reference, "access to ");
    } else {
      Program.Field resolved = program.resolveField(access.owner, access.name, access.desc);
      if (resolved == null) {
        report(Rule.JDK_API, "access to " + reference + ": no such field in the checked classes");
      } else if (!program.defines(resolved.owner().name)) {
        String declared = resolved.owner().name + "." + access.name + ":" + access.desc;
        if (!allowlist.allowsMember(declared)) {
          report(
              Rule.JDK_API,
              "access to " + reference + " reads " + declared + ", which is not in the allowlist");
        }
      }
      checkOutsideType(Type.getType(access.desc), "access to " + reference + ": type");
    }
    checkFloatingPointMember(access.owner, reference, access.desc, false, "access to ");
  }

  private void checkOutsideMember(String owner, String reference, String verb) {
    if (!allowlist.allowsMember(reference)) {
      report(Rule.JDK_API, verb + reference + notAllowed(owner));
    }
  }

  private void checkFloatingPointMember(
      String owner, String reference, String descriptor, boolean isMethod, String verb) {
    boolean floating = isFloatingPoint(Type.getObjectType(owner));
    for (Type type : descriptorTypes(descriptor, isMethod)) {
      floating |= isFloatingPoint(type);
    }
    if (floating) {
      report(Rule.FLOATING_POINT, verb + reference + " uses float or double");
    }
  }

  /** Why a class outside the program may not be used: the JDK's, or nobody's. */
  private String notAllowed(String owner) {
    return program.lookup(owner) != null
        ? " is not in the allowlist"
        : " is neither defined by the checked classes nor in the allowlist";
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

  /** Both type rules: types outside the program must be allowlisted, and no float or double. */
  private void checkType(Type type, String context) {
    checkOutsideType(type, context);
    if (isFloatingPoint(type)) {
      report(Rule.FLOATING_POINT, context + " " + type.getClassName() + " is floating point");
    }
  }

  private void checkOutsideType(Type type, String context) {
    Type element = type.getSort() == Type.ARRAY ? type.getElementType() : type;
    String name = element.getSort() == Type.OBJECT ? element.getInternalName() : null;
    if (name != null && !program.defines(name) && !allowlist.allowsType(name)) {
      report(Rule.JDK_API, context + " " + name + notAllowed(name));
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
}
