package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module descriptor exports only the API packages, and no public or protected member of an exported type names
 * a type the module keeps to itself (a backend, memory, native-loading or bindings type): users can compile against
 * every signature they see.
 */
class PublicApiTest {
    private static final Set<String> API = Set.of("dev.nabla", "dev.nabla.nn", "dev.nabla.optim", "dev.nabla.data",
            "dev.nabla.io", "dev.nabla.quantization", "dev.nabla.distributed");

    private static Path classes() throws Exception {
        return Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor descriptor() throws Exception {
        try (InputStream in = Files.newInputStream(classes().resolve("module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }

    @Test
    void theModuleExportsExactlyTheApiPackages() throws Exception {
        ModuleDescriptor d = descriptor();
        assertEquals("dev.nabla", d.name());
        Set<String> exported = d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), exported);
        assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), "no qualified exports");
        assertTrue(d.opens().isEmpty() && !d.isOpen(), "nothing opened for reflection");
    }

    @Test
    void publicSignaturesNameOnlyExportedOrPlatformTypes() throws Exception {
        Path classes = classes();
        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (String pkg : API) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().endsWith(".class")).toList();
            }
            for (Path f : files) {
                String name = pkg + "." + f.getFileName().toString().replace(".class", "");
                Class<?> c = Class.forName(name, false, Tensor.class.getClassLoader());
                if (!isVisible(c)) {
                    continue;
                }
                checked++;
                check(c.getName() + " extends", c.getGenericSuperclass(), leaks);
                for (Type t : c.getGenericInterfaces()) {
                    check(c.getName() + " implements", t, leaks);
                }
                for (Field fd : c.getDeclaredFields()) {
                    if (visible(fd.getModifiers())) {
                        check(c.getName() + "." + fd.getName(), fd.getGenericType(), leaks);
                    }
                }
                List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
                members.addAll(List.<Constructor<?>>of(c.getDeclaredConstructors()));
                for (Executable m : members) {
                    if (!visible(m.getModifiers()) || m.isSynthetic()) {
                        continue;
                    }
                    String where = c.getName() + "." + m.getName();
                    for (Type t : m.getGenericParameterTypes()) {
                        check(where + " parameter", t, leaks);
                    }
                    if (m instanceof Method method) {
                        check(where + " returns", method.getGenericReturnType(), leaks);
                    }
                }
            }
        }
        assertTrue(checked > 50, "public types checked: " + checked);
        assertEquals(List.of(), leaks, "public signatures that name a type the module does not export");
    }

    /** Public, or nested only in public types (protected members of public types count: subclasses see them). */
    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return !c.isSynthetic() && !c.isAnonymousClass();
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(String where, Type t, List<String> leaks) {
        switch (t) {
            case null -> { }
            case Class<?> c -> {
                Class<?> e = c;
                while (e.isArray()) {
                    e = e.getComponentType();
                }
                String pkg = e.getPackageName();
                if (!e.isPrimitive() && pkg.startsWith("dev.nabla") && !API.contains(pkg)) {
                    leaks.add(where + ": " + e.getName());
                } else if (!e.isPrimitive() && !pkg.startsWith("dev.nabla") && !pkg.startsWith("java.")) {
                    leaks.add(where + ": " + e.getName() + " (a dependency's type)");
                }
            }
            case ParameterizedType p -> {
                check(where, p.getRawType(), leaks);
                for (Type a : p.getActualTypeArguments()) {
                    check(where, a, leaks);
                }
            }
            case GenericArrayType g -> check(where, g.getGenericComponentType(), leaks);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    check(where, b, leaks);
                }
                for (Type b : w.getLowerBounds()) {
                    check(where, b, leaks);
                }
            }
            case TypeVariable<?> v -> { }
            default -> leaks.add(where + ": unexpected type " + t);
        }
    }
}
