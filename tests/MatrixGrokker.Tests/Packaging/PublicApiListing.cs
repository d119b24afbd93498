using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace MatrixGrokker.Tests.Packaging;

/// Renders the public (and protected, for inheritable types) surface of an assembly as sorted C#-like lines, so an
/// approved copy can be diffed. Nullable annotations are included because changing them breaks callers' builds.
internal static class PublicApiListing
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                          BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<Type> PublicTypes(Assembly assembly) =>
        assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();

    public static string Render(Assembly assembly)
    {
        var sb = new StringBuilder();
        foreach (var type in PublicTypes(assembly))
        {
            sb.Append(TypeHeader(type)).Append('\n');
            foreach (var member in Members(type).Order(StringComparer.Ordinal))
            {
                sb.Append("  ").Append(member).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string TypeHeader(Type type)
    {
        string kind;
        if (type.IsEnum)
        {
            kind = "enum";
        }
        else if (type.IsInterface)
        {
            kind = "interface";
        }
        else if (type.IsValueType)
        {
            kind = type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly struct" : "struct";
        }
        else if (type.IsSubclassOf(typeof(Delegate)))
        {
            kind = "delegate";
        }
        else
        {
            kind = type is { IsAbstract: true, IsSealed: true } ? "static class" : type.IsAbstract ? "abstract class" : type.IsSealed ? "sealed class" : "class";
        }

        var bases = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) && !type.IsSubclassOf(typeof(Delegate)))
        {
            bases.Add(Name(b));
        }

        if (type.IsEnum)
        {
            bases.Add(Name(Enum.GetUnderlyingType(type)));
        }

        bases.AddRange(type.IsEnum ? [] : type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return $"public {kind} {Name(type)}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : "");
    }

    private static IEnumerable<string> Members(Type type)
    {
        var nullability = new NullabilityInfoContext();
        if (type.IsEnum)
        {
            foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                yield return $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
            }

            yield break;
        }

        foreach (var member in type.GetMembers(Declared))
        {
            if (!Visible(member, type) || member.Name.StartsWith('<'))
            {
                continue;
            }

            switch (member)
            {
                case ConstructorInfo c:
                    yield return $"{Access(c)}{(c.IsStatic ? "static " : "")}.ctor({Parameters(c, nullability)})";
                    break;
                case MethodInfo m when !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal):
                    yield return $"{Access(m)}{Modifiers(m, type)}{TypeName(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{GenericArgs(m)}({Parameters(m, nullability)})";
                    break;
                case PropertyInfo p:
                    var visible = new[] { p.GetMethod, p.SetMethod }.Where(a => a is not null && Visible(a, type)).Select(a => a!).ToArray();
                    var first = visible[0];
                    var accessors = string.Join(" ", visible.Select(a =>
                        (Access(a) == Access(first) ? "" : Access(a)) + (a != p.SetMethod ? "get;" : IsInit(a) ? "init;" : "set;")));
                    var indexer = p.GetIndexParameters() is { Length: > 0 } ip ? "[" + string.Join(", ", ip.Select(x => TypeName(x.ParameterType, nullability.Create(x)) + " " + x.Name)) + "]" : "";
                    yield return $"{Access(first)}{Modifiers(first, type)}{TypeName(p.PropertyType, nullability.Create(p))} {p.Name}{indexer} {{ {accessors} }}";
                    break;
                case FieldInfo f when !f.IsSpecialName:
                    var constant = f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : "";
                    yield return $"{Access(f)}{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{TypeName(f.FieldType, nullability.Create(f))} {f.Name}{constant}";
                    break;
                case EventInfo e:
                    yield return $"{Access(e.AddMethod!)}event {TypeName(e.EventHandlerType!, nullability.Create(e))} {e.Name}";
                    break;
                case Type nested:
                    yield return "nested " + TypeHeader(nested);
                    break;
            }
        }
    }

    private static bool Visible(MemberInfo member, Type declaring)
    {
        var inheritable = !declaring.IsSealed && !declaring.IsInterface;
        return member switch
        {
            MethodBase m => m.IsPublic || (inheritable && (m.IsFamily || m.IsFamilyOrAssembly)),
            FieldInfo f => f.IsPublic || (inheritable && (f.IsFamily || f.IsFamilyOrAssembly)),
            PropertyInfo p => new[] { p.GetMethod, p.SetMethod }.Any(a => a is not null && Visible(a, declaring)),
            EventInfo e => e.AddMethod is { } add && Visible(add, declaring),
            Type t => t.IsNestedPublic || (inheritable && (t.IsNestedFamily || t.IsNestedFamORAssem)),
            _ => false,
        };
    }

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string Access(FieldInfo f) => f.IsPublic ? "public " : "protected ";

    private static string Modifiers(MethodInfo m, Type type)
    {
        if (type.IsInterface)
        {
            return m.IsStatic ? "static " : m.IsAbstract ? "" : "default ";
        }

        if (m.IsStatic)
        {
            return "static ";
        }

        if (m.IsAbstract)
        {
            return "abstract ";
        }

        if (!m.IsVirtual || m.IsFinal && m.GetBaseDefinition() == m)
        {
            return "";
        }

        var sealedPart = m.IsFinal ? "sealed " : "";
        return m.GetBaseDefinition().DeclaringType != m.DeclaringType ? sealedPart + "override " : "virtual ";
    }

    private static bool IsInit(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(t => t == typeof(IsExternalInit));

    private static string GenericArgs(MethodInfo m) =>
        m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase m, NullabilityInfoContext ctx) =>
        string.Join(", ", m.GetParameters().Select((p, i) =>
        {
            var prefix = i == 0 && m.IsDefined(typeof(ExtensionAttribute)) ? "this " : "";
            var type = p.ParameterType;
            if (type.IsByRef)
            {
                prefix += p.IsOut ? "out " : p.IsIn ? "in " : "ref ";
                type = type.GetElementType()!;
            }

            var defaultValue = !p.HasDefaultValue ? ""
                : type.IsEnum && p.RawDefaultValue is not null ? " = " + Name(type) + "." + Enum.ToObject(type, p.RawDefaultValue)
                : type.IsValueType && Nullable.GetUnderlyingType(type) is null && p.RawDefaultValue is null ? " = default"
                : " = " + Literal(p.RawDefaultValue);
            return $"{prefix}{TypeName(type, ctx.Create(p))} {p.Name}{defaultValue}";
        }));

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // Type name with nullable reference annotations taken from the compiler's metadata.
    private static string TypeName(Type type, NullabilityInfo? info)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return TypeName(inner, info?.GenericTypeArguments.FirstOrDefault()) + "?";
        }

        string name;
        if (type.IsArray)
        {
            name = TypeName(type.GetElementType()!, info?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }
        else if (type.IsGenericType)
        {
            var args = type.GetGenericArguments();
            name = Name(type.GetGenericTypeDefinition(), withArgs: false) + "<" +
                   string.Join(", ", args.Select((a, i) => TypeName(a, info is { GenericTypeArguments.Length: > 0 } ? info.GenericTypeArguments[i] : null))) + ">";
        }
        else
        {
            name = Name(type);
        }

        return !type.IsValueType && info?.ReadState == NullabilityState.Nullable ? name + "?" : name;
    }

    private static string Name(Type type) => Name(type, withArgs: true);

    private static string Name(Type type, bool withArgs)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        var keyword = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "bool", TypeCode.Int32 => "int", TypeCode.Int64 => "long", TypeCode.Double => "double",
            TypeCode.Single => "float", TypeCode.String => "string", TypeCode.Byte => "byte", TypeCode.UInt64 => "ulong",
            _ => type == typeof(void) ? "void" : type == typeof(object) ? "object" : null,
        };
        if (keyword is not null && !type.IsEnum)
        {
            return keyword;
        }

        var prefix = type.IsNested ? Name(type.DeclaringType!, withArgs: false) + "." : type.Namespace + ".";
        var bare = type.Name.Split('`')[0];
        if (withArgs && type.IsGenericType)
        {
            bare += "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
        }

        return prefix + bare;
    }
}
