package dev.intercessor.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeProvider;
import org.osgi.service.metatype.ObjectClassDefinition;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.core.internal.policy.ContainerPolicy;

/**
 * Describes configuration {@value GlobalPolicy#PID} to metatype from the options the registered
 * handlers declare, as they are now: every {@code <key>} and its {@code bound.<key>}, with type,
 * default, description and a validation that says what is wrong with a value.
 */
@Component(service = MetaTypeProvider.class, property = MetaTypeProvider.METATYPE_PID + "=" + GlobalPolicy.PID)
public class PolicyMetaType implements MetaTypeProvider {

    @Reference
    private Supervisor supervisor;

    @Override
    public String[] getLocales() {
        return null;
    }

    @Override
    public ObjectClassDefinition getObjectClassDefinition(String id, String locale) {
        if (!GlobalPolicy.PID.equals(id)) {
            return null;
        }
        List<AttributeDefinition> attributes = new ArrayList<>();
        Map<String, HandlerOption<?>> options = new TreeMap<>(supervisor.options().options());
        options.values().forEach(o -> attributes.add(new Attribute(o, false)));
        options.values().forEach(o -> attributes.add(new Attribute(o, true)));
        return new ObjectClassDefinition() {
            @Override
            public String getName() {
                return "Intercessor global policy";
            }

            @Override
            public String getID() {
                return GlobalPolicy.PID;
            }

            @Override
            public String getDescription() {
                return "The operator's policy for every container. Each property is a policy key "
                        + "<handler>.<option> of a registered handler (listed here as they register), e.g. "
                        + "mknod.enabled=true, or its bound, bound.<key>: the most a container may ask for with "
                        + "its annotation dev.intercessor.<key> or a listenerMetadata line <key>=<value>. "
                        + "Changes apply to the next call.";
            }

            @Override
            public AttributeDefinition[] getAttributeDefinitions(int filter) {
                return filter == ObjectClassDefinition.REQUIRED ? new AttributeDefinition[0]
                        : attributes.toArray(new AttributeDefinition[0]);
            }

            @Override
            public java.io.InputStream getIcon(int size) {
                return null;
            }
        };
    }

    /** One option, or its bound. */
    private static final class Attribute implements AttributeDefinition {
        private final HandlerOption<?> option;
        private final boolean bound;

        Attribute(HandlerOption<?> option, boolean bound) {
            this.option = option;
            this.bound = bound;
        }

        @Override
        public String getName() {
            return getID();
        }

        @Override
        public String getID() {
            return bound ? ContainerPolicy.BOUND_PREFIX + option.key() : option.key();
        }

        @Override
        public String getDescription() {
            String what = option.description() + " (" + option.accepts() + ")";
            return bound ? "The most a container may ask for " + option.key() + ": " + what : what;
        }

        @Override
        public int getCardinality() {
            return 0;
        }

        @Override
        public int getType() {
            switch (option.type()) {
                case BOOLEAN:
                    return AttributeDefinition.BOOLEAN;
                case NUMBER:
                    return AttributeDefinition.LONG;
                default:
                    return AttributeDefinition.STRING;
            }
        }

        @Override
        public String[] getOptionValues() {
            return null;
        }

        @Override
        public String[] getOptionLabels() {
            return null;
        }

        /** @return "" if {@code value} is good, else what is wrong with it */
        @Override
        public String validate(String value) {
            String problem = option.problem(value);
            return problem == null ? "" : problem;
        }

        @Override
        public String[] getDefaultValue() {
            return new String[] { option.defaultText() };
        }
    }
}
