import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { UserInputError } from '../../platform/errors.js';
import { pageSizeProblem } from '../pagination.js';

const PAGE_ARGUMENTS = ['first', 'last'] as const;

/**
 * Checks the page size of every field that takes `first` or `last` before its resolver runs, so that no
 * connection or list can forget it. A connection's negative page (it takes `after`) is refused by plugin-prisma
 * itself, in words that name the argument. A nested connection's rows are loaded with its parent, clamped to
 * the page limit, and refused here when the connection itself resolves.
 */
export class PageSizePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const pages = PAGE_ARGUMENTS.filter((name) => name in fieldConfig.args);
    if (pages.length === 0) return resolver;
    const negativesRefusedByPrisma = 'after' in fieldConfig.args;
    return (parent, args, context, info) => {
      const fields: Record<string, string> = {};
      for (const name of pages) {
        const size = (args as Record<string, unknown>)[name];
        if (typeof size !== 'number' || (size < 0 && negativesRefusedByPrisma)) continue;
        const problem = pageSizeProblem(size);
        if (problem) fields[name] = problem;
      }
      if (Object.keys(fields).length > 0) throw new UserInputError(fields);
      return resolver(parent, args, context, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      pageSize: PageSizePlugin<Types>;
    }
  }
}

export const pageSizePlugin = 'pageSize';
SchemaBuilder.registerPlugin(pageSizePlugin, PageSizePlugin);
