/* The segment rule builder: draws the rule held as JSON in #id_rule as rows of
   condition, operator and value, one level of groups deep, and writes every change
   back to #id_rule. The server checks the rule (crm/segments.py); this only helps to
   write it. Without JavaScript the JSON field itself is the editor. */
(function () {
  "use strict";
  const root = document.getElementById("rule-builder");
  const field = document.getElementById("id_rule");
  const specNode = document.getElementById("segment-conditions");
  if (!root || !field || !specNode) return;
  const specs = JSON.parse(specNode.textContent);
  const byKey = Object.fromEntries(specs.map((s) => [s.key, s]));
  const t = (name) => root.dataset["label" + name[0].toUpperCase() + name.slice(1)] || name;
  let rule;
  try {
    rule = JSON.parse(field.value || "{}");
  } catch (e) {
    return; // leave broken JSON to the text field and the server's message
  }
  if (!rule || typeof rule !== "object" || !Array.isArray(rule.conditions)) {
    rule = { match: "all", conditions: [] };
  }
  let uid = 0;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach((c) => c && node.appendChild(c));
    return node;
  }

  function select(options, value, attrs) {
    const node = el("select", Object.assign({ class: "form-select form-select-sm" }, attrs));
    options.forEach(([v, label]) => {
      const option = el("option", { value: v, text: label });
      if (Array.isArray(value) ? value.includes(v) : String(value) === v) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function save() {
    field.value = JSON.stringify(rule);
  }

  function defaultCondition() {
    const spec = specs[0];
    return fresh(spec);
  }

  function fresh(spec) {
    const op = spec.operators[0];
    const condition = { type: spec.key, op: op.op, value: emptyValue(op.value) };
    if (spec.window) condition.window_days = null;
    return condition;
  }

  function emptyValue(kind) {
    if (kind === "multi") return [];
    if (kind === "days_range") return [0, 30];
    if (kind === "none") return null;
    return "";
  }

  function valueInput(spec, condition, kind) {
    const id = "rule-value-" + ++uid;
    const label = t("value");
    if (kind === "none") return null;
    if (kind === "multi" || kind === "single") {
      const options = (kind === "single" ? [["", "—"]] : []).concat(spec.choices);
      const node = select(options, condition.value, {
        id, "aria-label": label, multiple: kind === "multi", size: kind === "multi" ? 4 : null,
      });
      node.addEventListener("change", () => {
        condition.value = kind === "multi"
          ? Array.from(node.selectedOptions).map((o) => o.value)
          : node.value;
        save();
      });
      return node;
    }
    if (kind === "days_range") {
      const pair = Array.isArray(condition.value) ? condition.value : [0, 30];
      const wrap = el("div", { class: "d-flex align-items-center gap-1" });
      [0, 1].forEach((i) => {
        const input = el("input", {
          type: "number", min: 0, class: "form-control form-control-sm", style: "width:6rem",
          value: pair[i], "aria-label": i ? t("to") : t("from"),
        });
        input.addEventListener("input", () => {
          pair[i] = input.value === "" ? "" : Number(input.value);
          condition.value = pair;
          save();
        });
        wrap.appendChild(el("span", { class: "small text-secondary", text: i ? t("to") : t("from") }));
        wrap.appendChild(input);
      });
      wrap.appendChild(el("span", { class: "small text-secondary", text: t("days") }));
      return wrap;
    }
    const types = { number: "number", days: "number", money: "text", date: "date" };
    const input = el("input", {
      id, type: types[kind] || "text", class: "form-control form-control-sm", "aria-label": label,
      value: condition.value === null ? "" : condition.value,
      inputmode: kind === "money" ? "decimal" : null, min: kind === "number" || kind === "days" ? 0 : null,
      style: "max-width:12rem",
    });
    input.addEventListener("input", () => {
      condition.value = (kind === "number" || kind === "days") && input.value !== ""
        ? Number(input.value) : input.value;
      save();
    });
    return input;
  }

  function conditionRow(list, index, redraw) {
    const condition = list[index];
    const spec = byKey[condition.type] || specs[0];
    const op = spec.operators.find((o) => o.op === condition.op) || spec.operators[0];
    const row = el("div", { class: "rule-row d-flex flex-wrap align-items-start gap-2 py-2", "data-testid": "rule-row" });
    const type = select(specs.map((s) => [s.key, s.label]), spec.key, { "aria-label": t("type"), style: "max-width:14rem", "data-testid": "rule-type" });
    type.addEventListener("change", () => {
      list[index] = fresh(byKey[type.value]);
      save();
      redraw();
    });
    const ops = select(spec.operators.map((o) => [o.op, o.label]), op.op, { "aria-label": t("op"), style: "max-width:14rem", "data-testid": "rule-op" });
    ops.addEventListener("change", () => {
      const next = spec.operators.find((o) => o.op === ops.value);
      condition.op = next.op;
      if (next.value !== op.value) condition.value = emptyValue(next.value);
      save();
      redraw();
    });
    row.appendChild(type);
    row.appendChild(ops);
    const value = valueInput(spec, condition, op.value);
    if (value) row.appendChild(el("div", { class: "rule-value", "data-testid": "rule-value" }, [value]));
    if (spec.window) {
      const window = el("input", {
        type: "number", min: 1, class: "form-control form-control-sm", style: "width:7rem",
        value: condition.window_days || "", placeholder: "∞", "aria-label": t("window"), title: t("window"),
        "data-testid": "rule-window",
      });
      window.addEventListener("input", () => {
        condition.window_days = window.value === "" ? null : Number(window.value);
        save();
      });
      row.appendChild(el("label", { class: "d-flex align-items-center gap-1 small text-secondary" }, [
        el("span", { text: t("window").split("…")[0] }), window, el("span", { text: (t("window").split("…")[1] || "").split("(")[0] }),
      ]));
    }
    const remove = el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-auto", "aria-label": t("remove"), title: t("remove") });
    remove.innerHTML = '<svg class="icon" aria-hidden="true"><use href="' + root.dataset.sprite + '#trash"></use></svg>';
    remove.addEventListener("click", () => {
      list.splice(index, 1);
      save();
      redraw();
    });
    row.appendChild(remove);
    return row;
  }

  function groupBox(group, depth, redraw, onRemove) {
    const box = el("div", { class: depth ? "rule-group border rounded p-2 my-2 bg-body-tertiary" : "rule-group", "data-testid": depth ? "rule-group" : null });
    const head = el("div", { class: "d-flex align-items-center gap-2 mb-1" });
    const match = select([["all", t("all")], ["any", t("any")]], group.match || "all", { "aria-label": t("match"), style: "max-width:16rem", "data-testid": "rule-match" });
    match.addEventListener("change", () => {
      group.match = match.value;
      save();
    });
    head.appendChild(match);
    if (onRemove) {
      const remove = el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-auto", text: t("remove") });
      remove.addEventListener("click", onRemove);
      head.appendChild(remove);
    }
    box.appendChild(head);
    if (!group.conditions.length) box.appendChild(el("p", { class: "text-secondary small my-2", text: t("empty") }));
    group.conditions.forEach((item, index) => {
      if (item && Array.isArray(item.conditions)) {
        box.appendChild(groupBox(item, depth + 1, redraw, () => {
          group.conditions.splice(index, 1);
          save();
          redraw();
        }));
      } else {
        box.appendChild(conditionRow(group.conditions, index, redraw));
      }
    });
    const actions = el("div", { class: "d-flex gap-2 mt-2" });
    const add = el("button", { type: "button", class: "btn btn-sm", text: "+ " + t("add"), "data-testid": depth ? "rule-add-in-group" : "rule-add" });
    add.addEventListener("click", () => {
      group.conditions.push(defaultCondition());
      save();
      redraw();
    });
    actions.appendChild(add);
    if (!depth) {
      const addGroup = el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary", text: "+ " + t("group"), "data-testid": "rule-add-group" });
      addGroup.addEventListener("click", () => {
        group.conditions.push({ match: "any", conditions: [defaultCondition()] });
        save();
        redraw();
      });
      actions.appendChild(addGroup);
    }
    box.appendChild(actions);
    return box;
  }

  function draw() {
    const focused = document.activeElement && root.contains(document.activeElement);
    root.replaceChildren(groupBox(rule, 0, draw, null));
    if (focused) root.querySelector("select, input")?.focus();
  }

  root.dataset.sprite = document.querySelector("use[href*='sprite.svg']")?.getAttribute("href").split("#")[0] || "";
  root.hidden = false;
  field.addEventListener("change", () => {
    try {
      const typed = JSON.parse(field.value);
      if (typed && Array.isArray(typed.conditions)) {
        rule = typed;
        draw();
      }
    } catch (e) { /* the server will say what is wrong */ }
  });
  save();
  draw();
})();
