/**
 * True when plugin-prisma's selection reads nothing but the model's own columns (`columns`: Prisma's
 * <Model>ScalarFieldEnum), which a row read without Prisma carries: no relation in an include, and in a select
 * only scalar fields (a relation there may be `true`).
 */
export function selectsOnlyColumns(
  query: { select?: object | null; include?: object | null },
  columns: Readonly<Record<string, string>>,
): boolean {
  return (
    !query.include &&
    Object.entries(query.select ?? {}).every(([field, selected]) => selected === true && field in columns)
  );
}
