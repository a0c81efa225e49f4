import { EDITOR_OPERATORS, emptyRow, operandField, operandKind, operatorLabel, withOperator, type ConditionRow } from '../forms/conditions.js';
import type { FieldErrors } from '../forms/field-errors.js';
import { SelectField, TextArea, TextField } from './fields.js';

/**
 * KubeSphere's notification conditions: label, operator, values (one per line). Every
 * condition must hold; none means every alert is taken.
 */
export function ConditionsEditor({ rows, onChange, errors, prefix = 'conditions' }: { rows: ConditionRow[]; onChange: (rows: ConditionRow[]) => void; errors: FieldErrors; prefix?: string }) {
  const set = (i: number, row: ConditionRow) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return (
    <div className="conditions">
      {rows.length === 0 ? <p className="muted">No conditions: every alert is taken. Add one to narrow it down.</p> : null}
      <ol className="condition-list">
        {rows.map((row, i) => (
          <li key={i} className="condition" aria-label={`Condition ${i + 1}`}>
            <TextField label="Label" value={row.key} placeholder="severity" onChange={(key) => set(i, { ...row, key })} error={errors[`${prefix}[${i}].key`]} />
            <SelectField
              label="Operator"
              value={row.operator}
              onChange={(operator) => set(i, withOperator(row, operator))}
              options={operatorOptions(row.operator)}
            />
            <Operand row={row} error={errors[operandField(prefix, i, row.operator)]} onChange={(operand) => set(i, { ...row, operand })} />
            <button type="button" className="secondary small remove" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              Remove condition {i + 1}
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="secondary" onClick={() => onChange([...rows, emptyRow()])}>
        Add condition
      </button>
    </div>
  );
}

function operatorOptions(current: string) {
  const options: { value: string; label: string }[] = EDITOR_OPERATORS.map((o) => ({ value: o.operator, label: o.label }));
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: operatorLabel(current) });
  return options;
}

function Operand({ row, error, onChange }: { row: ConditionRow; error: string | undefined; onChange: (operand: string) => void }) {
  const kind = operandKind(row.operator);
  if (kind === 'none') return <p className="hint operand-none">No value needed: this checks whether the label is present.</p>;
  if (kind === 'list') return <TextArea label="Values (one per line)" value={row.operand} rows={2} onChange={onChange} error={error} />;
  return <TextField label={row.operator === 'Match' || row.operator.includes('~') ? 'Regular expression' : 'Value'} value={row.operand} onChange={onChange} error={error} />;
}
