/**
 * Keeps a failure in one view (a drawing bug, an unexpected trace) from blanking the whole page: the view shows the
 * error and a retry button; the settings, prompt and other views stay usable.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Props of ViewBoundary. */
export interface ViewBoundaryProps {
  /** Name of the view, for the message. */
  name: string;
  children: ReactNode;
}

/** An error boundary around one view. */
export class ViewBoundary extends Component<ViewBoundaryProps, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`the ${this.props.name} view failed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel" role="alert" data-testid="view-error">
        <p className="error">
          The {this.props.name} view failed: {error.message}
        </p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
