import { xml, type Element } from "@xmpp/client";

/** XEP-0004 Data Forms: the few field types Herald's forms use. */
export const NS_DATA = "jabber:x:data";

export type FieldType = "text-single" | "text-private" | "text-multi" | "list-single" | "list-multi" | "boolean" | "jid-single" | "fixed" | "hidden";

export interface Field {
  readonly var?: string;
  readonly type: FieldType;
  readonly label?: string;
  readonly desc?: string;
  readonly required?: boolean;
  readonly values?: readonly string[];
  readonly options?: readonly { readonly label?: string; readonly value: string }[];
}

export interface FormSpec {
  readonly title: string;
  readonly instructions?: string;
  readonly fields: readonly Field[];
}

export function formElement(form: FormSpec, type: "form" | "result" = "form"): Element {
  return xml(
    "x",
    { xmlns: NS_DATA, type },
    xml("title", {}, form.title),
    form.instructions ? xml("instructions", {}, form.instructions) : null,
    ...form.fields.map((f) =>
      xml(
        "field",
        { var: f.var, type: f.type, label: f.label },
        f.desc ? xml("desc", {}, f.desc) : null,
        f.required ? xml("required") : null,
        ...(f.options ?? []).map((o) => xml("option", { label: o.label }, xml("value", {}, o.value))),
        ...(f.values ?? []).map((v) => xml("value", {}, v)),
      ),
    ),
  );
}

/** The values of a submitted form (XEP-0004 §3.4), by field var; undefined when it is no submit form. */
export function submittedValues(parent: Element | undefined): Map<string, string[]> | undefined {
  const x = parent?.getChild("x", NS_DATA);
  if (!x || x.attrs.type !== "submit") return undefined;
  const values = new Map<string, string[]>();
  for (const field of x.getChildren("field")) {
    const name = field.attrs.var;
    if (name) values.set(name, field.getChildren("value").map((v) => v.text()));
  }
  return values;
}

/** XEP-0004 §3.3: boolean values are "1"/"true" or "0"/"false". */
export function isTrue(value: string | undefined): boolean {
  return value === "1" || value === "true";
}
