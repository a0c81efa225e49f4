import { useId, type ChangeEvent, type ReactNode } from 'react';

/** Shared by every control: a visible label, an optional hint, the error beside the control. */
interface FieldBase {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  name?: string;
}

function Described({ hintId, errorId, hint, error }: { hintId: string; errorId: string; hint?: ReactNode; error?: string | undefined }) {
  return (
    <>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </>
  );
}

function describedBy(hint: ReactNode, error: string | undefined, hintId: string, errorId: string): string | undefined {
  const ids = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

type TextProps = FieldBase & {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'url' | 'number' | 'search';
  placeholder?: string;
  required?: boolean;
  autoComplete?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
  readOnly?: boolean;
};

export function TextField(props: TextProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        readOnly={props.readOnly}
        autoComplete={props.autoComplete ?? 'off'}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.hint, props.error, hintId, errorId)}
        onChange={(e: ChangeEvent<HTMLInputElement>) => props.onChange(e.target.value)}
      />
      <Described hintId={hintId} errorId={errorId} hint={props.hint} error={props.error} />
    </div>
  );
}

export function TextArea(props: FieldBase & { value: string; onChange: (value: string) => void; rows?: number; placeholder?: string; mono?: boolean }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        className={props.mono ? 'mono' : undefined}
        spellCheck={props.mono ? false : undefined}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.hint, props.error, hintId, errorId)}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <Described hintId={hintId} errorId={errorId} hint={props.hint} error={props.error} />
    </div>
  );
}

export function SelectField<T extends string>(
  props: FieldBase & { value: T; onChange: (value: T) => void; options: readonly { value: T; label: string }[] },
) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.hint, props.error, hintId, errorId)}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Described hintId={hintId} errorId={errorId} hint={props.hint} error={props.error} />
    </div>
  );
}

export function CheckboxField(props: FieldBase & { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="field checkbox">
      <input
        id={id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        aria-describedby={describedBy(props.hint, props.error, hintId, errorId)}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
      <Described hintId={hintId} errorId={errorId} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A titled group of controls (connection, verification, TLS, …). */
export function Group({ legend, children, description }: { legend: string; children: ReactNode; description?: ReactNode }) {
  return (
    <fieldset className="group">
      <legend>{legend}</legend>
      {description ? <p className="hint">{description}</p> : null}
      {children}
    </fieldset>
  );
}

/** After a refused submit, moves focus to the first control marked invalid. */
export function focusFirstError(form: HTMLElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

/** An error that belongs to no single control, such as a conflict or a lost connection. */
export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
